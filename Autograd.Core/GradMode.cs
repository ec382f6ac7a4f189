namespace Autograd;

/// <summary>
/// The switch for graph recording; <c>Torch.NoGrad()</c> nests scopes of it. It flows with the async context
/// (AsyncLocal), so a scope survives an <c>await</c> that resumes on another thread, and each scope restores the
/// absolute state it found, whatever thread disposes it. A Backward pass that builds no graph turns recording off for
/// its own thread only (<see cref="SuspendOnThisThread"/>): its gradient functions run synchronously on that thread,
/// and changing a thread-static flag costs nothing where changing the async-local mode allocates a new context twice per pass.
/// </summary>
internal static class GradMode
{
    private static readonly AsyncLocal<int> DisabledDepth = new();
    [ThreadStatic] private static bool suspended;

    public static bool IsEnabled => !suspended && DisabledDepth.Value == 0;

    public static IDisposable Disable() => Set(false);

    /// <summary>Sets the mode for one region; enabling also lifts a suspension on this thread (a double Backward inside a Backward).</summary>
    public static IDisposable Set(bool enabled)
    {
        int saved = DisabledDepth.Value;
        bool wasSuspended = suspended;
        DisabledDepth.Value = enabled ? 0 : saved + 1;
        if (enabled) suspended = false;
        return new Scope(() =>
        {
            DisabledDepth.Value = saved;
            suspended = wasSuspended;
        });
    }

    /// <summary>Turns recording off on this thread until the returned scope is disposed.</summary>
    public static Suspension SuspendOnThisThread()
    {
        var scope = new Suspension(suspended);
        suspended = true;
        return scope;
    }

    /// <summary>Restores this thread's suspension flag as it was.</summary>
    public readonly struct Suspension(bool previous) : IDisposable
    {
        public void Dispose() => suspended = previous;
    }
}
