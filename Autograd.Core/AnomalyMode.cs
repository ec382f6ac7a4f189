namespace Autograd;

/// <summary>
/// <c>torch.autograd.detect_anomaly</c>: while on, each recorded node keeps the stack trace of its forward call and
/// Backward fails on the first node whose backward returns NaN. Process-wide, as in PyTorch; scopes opened on several
/// threads overlap, and the mode stays on while any of them is open.
/// </summary>
internal static class AnomalyMode
{
    private static int openScopes;

    public static bool IsEnabled => Volatile.Read(ref openScopes) > 0;

    public static IDisposable Enable()
    {
        Interlocked.Increment(ref openScopes);
        return new Scope(() => Interlocked.Decrement(ref openScopes));
    }
}
