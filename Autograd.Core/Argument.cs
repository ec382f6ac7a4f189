using System.Runtime.CompilerServices;

namespace Autograd;

/// <summary>Argument checks for expression-bodied entry points.</summary>
internal static class Argument
{
    /// <summary>
    /// <paramref name="value"/>, or an ArgumentNullException naming the argument (its expression at the call site, which
    /// is the parameter's name), so a null fails at the public entry point rather than deep inside a kernel.
    /// </summary>
    public static T NotNull<T>(T? value, [CallerArgumentExpression(nameof(value))] string? name = null) where T : class =>
        value ?? throw new ArgumentNullException(name);
}
