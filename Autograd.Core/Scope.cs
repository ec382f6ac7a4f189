namespace Autograd;

/// <summary>The IDisposable behind <c>using</c> scopes such as <c>Torch.NoGrad()</c>: runs its action once, on the first Dispose.</summary>
internal sealed class Scope(Action onDispose) : IDisposable
{
    private Action? onDispose = onDispose;

    public void Dispose()
    {
        onDispose?.Invoke();
        onDispose = null;
    }
}
