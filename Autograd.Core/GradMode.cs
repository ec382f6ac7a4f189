namespace Autograd;

/// <summary>
/// The switch for graph recording; <c>Torch.NoGrad()</c> nests scopes of it. It flows with the async context
/// (AsyncLocal), so a scope survives an <c>await</c> that resumes on another thread, and each scope restores the
/// absolute state it found, whatever thread disposes it.
/// </summary>
internal static class GradMode
{
    private static readonly AsyncLocal<int> DisabledDepth = new();

    public static bool IsEnabled => DisabledDepth.Value == 0;

    public static IDisposable Disable() => Set(false);

    /// <summary>Sets the mode for one region (Backward runs closures with grad mode on only under createGraph).</summary>
    public static IDisposable Set(bool enabled)
    {
        int saved = DisabledDepth.Value;
        DisabledDepth.Value = enabled ? 0 : saved + 1;
        return new Scope(() => DisabledDepth.Value = saved);
    }
}
