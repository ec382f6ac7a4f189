namespace Autograd;

/// <summary>Per-thread switch for graph recording; <c>Torch.NoGrad()</c> nests scopes of it.</summary>
internal static class GradMode
{
    [ThreadStatic] private static int disabledDepth;

    public static bool IsEnabled => disabledDepth == 0;

    public static IDisposable Disable()
    {
        disabledDepth++;
        return new Scope(() => disabledDepth--);
    }

    /// <summary>Sets the mode for one region (Backward runs closures with grad mode on only under createGraph).</summary>
    public static IDisposable Set(bool enabled)
    {
        int saved = disabledDepth;
        disabledDepth = enabled ? 0 : saved + 1;
        return new Scope(() => disabledDepth = saved);
    }
}
