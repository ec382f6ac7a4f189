namespace Autograd;

/// <summary>
/// C# 14 compound assignment operators with Python's meaning: <c>p -= lr * g</c> updates <c>p</c> in place, as
/// Python's <c>p -= lr * g</c> calls <c>p.sub_(lr * g)</c>. The tensor is not rebound: every variable, view and
/// detached alias of it sees the new values, its version counter moves, and autograd treats the update as the
/// in-place op it is (<c>Add_</c>, <c>Sub_</c>, <c>Mul_</c>, <c>Div_</c>: a leaf that requires grad may be updated only
/// under <c>Torch.NoGrad()</c>, and a recorded update gives the tensor the op's grad_fn).
/// </summary>
public static class CompoundAssignment
{
    extension(Tensor self)
    {
        /// <summary>Python's <c>t += other</c>: <see cref="InPlace.Add_(Tensor, Tensor, double)"/>, broadcasting <paramref name="other"/> to t's shape.</summary>
        public void operator +=(Tensor other) => Checked(self).Add_(other ?? throw new ArgumentNullException(nameof(other)));

        /// <summary>Python's <c>t += number</c>: <c>t.add_(number)</c>.</summary>
        public void operator +=(double other) => Checked(self).Add_(other);

        /// <summary>Python's <c>t -= other</c>: <c>t.sub_(other)</c>.</summary>
        public void operator -=(Tensor other) => Checked(self).Sub_(other ?? throw new ArgumentNullException(nameof(other)));

        /// <summary>Python's <c>t -= number</c>: <c>t.sub_(number)</c>.</summary>
        public void operator -=(double other) => Checked(self).Sub_(other);

        /// <summary>Python's <c>t *= other</c>: <c>t.mul_(other)</c>.</summary>
        public void operator *=(Tensor other) => Checked(self).Mul_(other ?? throw new ArgumentNullException(nameof(other)));

        /// <summary>Python's <c>t *= number</c>: <c>t.mul_(number)</c>.</summary>
        public void operator *=(double other) => Checked(self).Mul_(other);

        /// <summary>Python's <c>t /= other</c>: <c>t.div_(other)</c>.</summary>
        public void operator /=(Tensor other) => Checked(self).Div_(other ?? throw new ArgumentNullException(nameof(other)));

        /// <summary>Python's <c>t /= number</c>: <c>t.div_(number)</c>.</summary>
        public void operator /=(double other) => Checked(self).Div_(other);
    }

    /// <summary>The receiver, checked: an extension operator gets a null variable where an instance one would throw.</summary>
    private static Tensor Checked(Tensor self)
    {
        ArgumentNullException.ThrowIfNull(self);
        return self;
    }
}
