namespace Autograd;

/// <summary>
/// Views, as PyTorch's: each returns a tensor over the same storage with other sizes, strides and offset (so writes
/// through it reach the base, and it shares the version counter), recorded under PyTorch's grad_fn name. Reshape
/// views when the strides allow it and copies otherwise, exactly where PyTorch does; Clone and Contiguous copy.
/// </summary>
public static class ShapeOps
{
    extension(Tensor self)
    {
        /// <summary>Inserts a dim of size 1 at <paramref name="dim"/>, as <c>torch.unsqueeze</c>.</summary>
        public Tensor Unsqueeze(int dim)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dim, self.Rank + 1);
            int stride = d < self.Rank ? self.Dims[d] * self.StrideArray[d] : 1;
            var result = self.AsView([.. self.Dims[..d], 1, .. self.Dims[d..]], [.. self.StrideArray[..d], stride, .. self.StrideArray[d..]], self.Offset);
            return Record(result, self, "UnsqueezeBackward0", g => g.Squeeze(d));
        }

        /// <summary>Removes every dim of size 1, as <c>torch.squeeze</c>.</summary>
        public Tensor Squeeze()
        {
            ArgumentNullException.ThrowIfNull(self);
            var keep = Enumerable.Range(0, self.Rank).Where(d => self.Dims[d] != 1).ToArray();
            return Record(Keep(self, keep), self, "SqueezeBackward0", ReshapeTo(self.Dims));
        }

        /// <summary>Removes <paramref name="dim"/> if its size is 1; otherwise the same shape, as <c>torch.squeeze(x, dim)</c>.</summary>
        public Tensor Squeeze(int dim)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dim, self.Rank);
            var keep = Enumerable.Range(0, self.Rank).Where(k => k != d || self.Dims[k] != 1).ToArray();
            return Record(Keep(self, keep), self, "SqueezeBackward1", ReshapeTo(self.Dims));
        }

        /// <summary>Merges dims <paramref name="startDim"/> to <paramref name="endDim"/> into one; a 0-d tensor becomes 1-D (<c>torch.flatten</c>).</summary>
        public Tensor Flatten(int startDim = 0, int endDim = -1)
        {
            ArgumentNullException.ThrowIfNull(self);
            int start = Shapes.WrapDim(startDim, self.Rank), end = Shapes.WrapDim(endDim, self.Rank);
            if (start > end) throw new ArgumentException("flatten() has invalid args: start_dim cannot come after end_dim");
            if (self.Rank == 0) return self.Reshape(1);
            if (start == end) return self;
            int merged = Shapes.NumElements(self.Dims.AsSpan(start..(end + 1)));
            return self.Reshape([.. self.Dims[..start], merged, .. self.Dims[(end + 1)..]]);
        }

        /// <summary>Splits dim <paramref name="dim"/> into <paramref name="sizes"/> (one may be -1), as <c>torch.unflatten</c>.</summary>
        public Tensor Unflatten(int dim, params int[] sizes)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(sizes);
            if (self.Rank == 0) throw new IndexOutOfRangeException($"Dimension specified as {dim} but tensor has no dimensions");
            int d = Shapes.WrapDim(dim, self.Rank);
            if (sizes.Length == 0) throw new ArgumentException("unflatten: sizes must be non-empty");
            var inner = InferShape(self.Dims[d], sizes);
            return self.View([.. self.Dims[..d], .. inner, .. self.Dims[(d + 1)..]]);
        }

        /// <summary>Another shape over the same elements without a copy (-1 infers one size), as <c>tensor.view</c>.</summary>
        public Tensor View(params int[] shape)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(shape);
            var dims = InferShape(self.Count, shape);
            var strides = ViewStrides(self, dims)
                ?? throw new ArgumentException(
                    "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
            return Record(self.AsView(dims, strides, self.Offset), self, "ViewBackward0", ReshapeTo(self.Dims));
        }

        /// <summary>A view with <paramref name="other"/>'s shape, as <c>tensor.view_as</c>.</summary>
        public Tensor ViewAs(Tensor other)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(other);
            return self.View(other.Dims);
        }

        /// <summary>A view when the strides allow one, otherwise a copy, as <c>torch.reshape</c>.</summary>
        public Tensor Reshape(params int[] shape)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(shape);
            var dims = InferShape(self.Count, shape);
            if (ViewStrides(self, dims) is { } strides)
                return Record(self.AsView(dims, strides, self.Offset), self, "ReshapeAliasBackward0", ReshapeTo(self.Dims));
            return Alias(self.Clone(), dims, "UnsafeViewBackward0");
        }

        /// <summary>The elements as one dim, a view where possible, as <c>torch.ravel</c>.</summary>
        public Tensor Ravel() => Argument.NotNull(self).Contiguous().View(-1);

        /// <summary>Self when contiguous, else a contiguous copy, as <c>tensor.contiguous()</c>.</summary>
        public Tensor Contiguous() => Argument.NotNull(self).IsContiguous ? self : self.Clone();

        /// <summary>A contiguous copy with its own storage, as <c>torch.clone</c>.</summary>
        public Tensor Clone()
        {
            ArgumentNullException.ThrowIfNull(self);
            var result = new Tensor(self.CopyOfValues(), self.Dims);
            return Record(result, self, "CloneBackward0", g => g);
        }

        /// <summary>Swaps two dims (a view), as <c>torch.transpose</c>.</summary>
        public Tensor Transpose(int dim0, int dim1)
        {
            ArgumentNullException.ThrowIfNull(self);
            int a = Shapes.WrapDim(dim0, self.Rank), b = Shapes.WrapDim(dim1, self.Rank);
            var order = Enumerable.Range(0, self.Rank).ToArray();
            if (self.Rank > 0) (order[a], order[b]) = (order[b], order[a]);
            return Record(Permuted(self, order), self, "TransposeBackward0", g => g.Transpose(a, b));
        }

        /// <summary>Transpose of a tensor of at most 2 dims, as <c>Tensor.t()</c>.</summary>
        public Tensor T()
        {
            ArgumentNullException.ThrowIfNull(self);
            if (self.Rank > 2)
                throw new ArgumentException($"t() expects a tensor with <= 2 dimensions, but self is {self.Rank}D");
            int[] order = self.Rank == 2 ? [1, 0] : [.. Enumerable.Range(0, self.Rank)];
            return Record(Permuted(self, order), self, "TBackward0", g => g.T());
        }

        /// <summary>Reorders the dims (a view), as <c>torch.permute</c>.</summary>
        public Tensor Permute(params int[] dims)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(dims);
            if (dims.Length != self.Rank)
                throw new ArgumentException(
                    $"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {self.Rank} is not equal to len(dims) = {dims.Length}");
            var order = new int[dims.Length];
            var seen = new bool[dims.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                order[i] = Shapes.WrapDim(dims[i], self.Rank);
                if (seen[order[i]]) throw new ArgumentException("permute(): duplicate dims are not allowed.");
                seen[order[i]] = true;
            }
            var inverse = new int[order.Length];
            for (int i = 0; i < order.Length; i++) inverse[order[i]] = i;
            return Record(Permuted(self, order), self, "PermuteBackward0", g => g.Permute(inverse));
        }

        /// <summary>Moves dim <paramref name="source"/> to position <paramref name="destination"/>, as <c>torch.movedim</c>.</summary>
        public Tensor Movedim(int source, int destination)
        {
            ArgumentNullException.ThrowIfNull(self);
            int from = Shapes.WrapDim(source, self.Rank), to = Shapes.WrapDim(destination, self.Rank);
            var order = Enumerable.Range(0, self.Rank).Where(d => d != from).ToList();
            order.Insert(to, from);
            return self.Permute([.. order]);
        }

        /// <summary>Repeats dims of size 1 (stride 0, no copy) and prepends new dims; -1 keeps a size (<c>tensor.expand</c>).</summary>
        public Tensor Expand(params int[] sizes)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(sizes);
            if (sizes.Length < self.Rank)
                throw new ArgumentException(
                    $"expand({self.DType.LegacyTypeName()}{{{Shapes.Format(self.Dims)}}}, size={Shapes.Format(sizes)}): the number of sizes provided ({sizes.Length}) must be greater or equal to the number of dimensions in the tensor ({self.Rank})");
            var shape = new int[sizes.Length];
            var strides = new int[sizes.Length];
            int lead = sizes.Length - self.Rank;
            for (int i = 0; i < sizes.Length; i++)
            {
                int d = i - lead;
                if (d < 0)
                {
                    if (sizes[i] < 0)
                        throw new ArgumentException($"The expanded size of the tensor ({sizes[i]}) isn't allowed in a leading, non-existing dimension {i}");
                    (shape[i], strides[i]) = (sizes[i], 0);
                    continue;
                }
                int size = sizes[i] == -1 ? self.Dims[d] : sizes[i];
                if (self.Dims[d] != size && self.Dims[d] != 1 || size < 0)
                    throw new ArgumentException(
                        $"The expanded size of the tensor ({size}) must match the existing size ({self.Dims[d]}) at non-singleton dimension {i}.  Target sizes: {Shapes.Format(sizes)}.  Tensor sizes: {Shapes.Format(self.Dims)}");
                (shape[i], strides[i]) = (size, self.Dims[d] == size ? self.StrideArray[d] : 0);
            }
            _ = Shapes.NumElements(shape);
            var result = self.AsView(shape, strides, self.Offset);
            return Record(result, self, "ExpandBackward0", SumBackTo(self.Dims));
        }

        /// <summary>Expands to <paramref name="other"/>'s shape, as <c>tensor.expand_as</c>.</summary>
        public Tensor ExpandAs(Tensor other)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(other);
            return self.Expand(other.Dims);
        }

        /// <summary>Elements <paramref name="start"/> to start + length of dim <paramref name="dim"/> (a view), as <c>torch.narrow</c>.</summary>
        public Tensor Narrow(int dim, int start, int length)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (self.Rank == 0) throw new ArgumentException("narrow() cannot be applied to a 0-dim tensor.");
            int d = Shapes.WrapDim(dim, self.Rank), size = self.Dims[d];
            if (start != size) start = Shapes.WrapDim(start, size);
            if (length < 0 || start > size - length)
                throw new ArgumentException($"start ({start}) + length ({length}) exceeds dimension size ({size}).");
            return Slice(self, d, start, start + length, 1);
        }

        /// <summary>The slice at <paramref name="index"/> of dim <paramref name="dim"/>, which goes (a view), as <c>torch.select</c>.</summary>
        public Tensor Select(int dim, int index)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (self.Rank == 0) throw new ArgumentException("select() cannot be applied to a 0-dim tensor.");
            int d = Shapes.WrapDim(dim, self.Rank), size = self.Dims[d];
            if (index < -size || index >= size)
                throw new IndexOutOfRangeException($"select(): index {index} out of range for tensor of size {Shapes.Format(self.Dims)} at dimension {d}");
            if (index < 0) index += size;
            var result = self.AsView([.. self.Dims[..d], .. self.Dims[(d + 1)..]], [.. self.StrideArray[..d], .. self.StrideArray[(d + 1)..]],
                self.Offset + index * self.StrideArray[d]);
            return RecordEmbedded(result, self, "SelectBackward0", t => t.Select(d, index));
        }

        /// <summary>The diagonal of the (dim1, dim2) planes as the last dim (a view), as <c>torch.diagonal</c>.</summary>
        public Tensor Diagonal(int offset = 0, int dim1 = 0, int dim2 = 1)
        {
            ArgumentNullException.ThrowIfNull(self);
            int a = Shapes.WrapDim(dim1, self.Rank), b = Shapes.WrapDim(dim2, self.Rank);
            if (a == b) throw new ArgumentException($"diagonal dimensions cannot be identical {dim1}, {dim2}");
            int length = offset >= 0 ? Math.Min(self.Dims[a], self.Dims[b] - offset) : Math.Min(self.Dims[a] + offset, self.Dims[b]);
            length = Math.Max(length, 0);
            long start = self.Offset;
            if (length > 0) start += offset >= 0 ? (long)offset * self.StrideArray[b] : -(long)offset * self.StrideArray[a];
            var keep = Enumerable.Range(0, self.Rank).Where(d => d != a && d != b).ToArray();
            var result = self.AsView([.. keep.Select(d => self.Dims[d]), length], [.. keep.Select(d => self.StrideArray[d]), self.StrideArray[a] + self.StrideArray[b]],
                length > 0 ? checked((int)start) : self.Offset);
            return RecordEmbedded(result, self, "DiagonalBackward0", t => t.Diagonal(offset, a, b));
        }

        /// <summary>Every slice of <paramref name="size"/> elements along <paramref name="dimension"/>, <paramref name="step"/> apart, as a new last dim (<c>tensor.unfold</c>).</summary>
        public Tensor Unfold(int dimension, int size, int step)
        {
            ArgumentNullException.ThrowIfNull(self);
            int d = Shapes.WrapDim(dimension, self.Rank);
            int length = self.Rank == 0 ? 1 : self.Dims[d], stride = self.Rank == 0 ? 1 : self.StrideArray[d];
            if (size > length) throw new ArgumentException($"maximum size for tensor at dimension {d} is {length} but size is {size}");
            if (step <= 0) throw new ArgumentException($"step is {step} but must be > 0");
            if (size < 0) throw new ArgumentException($"size is {size} but must be >= 0");
            int[] shape = self.Rank == 0 ? [size] : [.. self.Dims[..d], (length - size) / step + 1, .. self.Dims[(d + 1)..], size];
            int[] strides = self.Rank == 0 ? [1] : [.. self.StrideArray[..d], step * stride, .. self.StrideArray[(d + 1)..], stride];
            return RecordEmbedded(self.AsView(shape, strides, self.Offset), self, "UnfoldBackward0", t => t.Unfold(d, size, step));
        }

        /// <summary>
        /// A view with the given sizes and strides over this tensor's storage, as <c>torch.as_strided</c>; a null
        /// <paramref name="storageOffset"/> keeps this tensor's, a given one is absolute.
        /// </summary>
        public Tensor AsStrided(int[] size, int[] stride, int? storageOffset = null)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(size);
            ArgumentNullException.ThrowIfNull(stride);
            if (size.Length != stride.Length)
                throw new ArgumentException($"mismatch in length of strides and shape");
            foreach (int s in stride)
            {
                if (s < 0) throw new ArgumentException($"as_strided: Negative strides are not supported at the moment, got strides: {Shapes.Format(stride)}");
            }
            _ = Shapes.NumElements(size);
            var result = self.AsView((int[])size.Clone(), (int[])stride.Clone(), storageOffset ?? self.Offset);
            // as_strided addresses the storage, so its gradient is placed through the storage too.
            if (!Graph.NeedsGrad(self)) return result;
            var input = StridedGeometry.Of(self);
            var view = StridedGeometry.Of(result);
            return Graph.Record(result, "AsStridedBackward0", [self], g => [StridedGeometry.Embed(g, input, view)], saved: []);
        }

        /// <summary>Pieces of <paramref name="splitSize"/> along <paramref name="dim"/>, the last one shorter (views), as <c>torch.split</c>.</summary>
        public Tensor[] Split(int splitSize, int dim = 0)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (self.Rank == 0) throw new ArgumentException("split expects at least a 1-dimensional tensor");
            if (splitSize < 0) throw new ArgumentException($"split expects split_size be non-negative, but got split_size={splitSize}");
            int d = Shapes.WrapDim(dim, self.Rank), size = self.Dims[d];
            if (splitSize == 0 && size != 0)
                throw new ArgumentException($"split_size can only be 0 if dimension size is 0, but got dimension size of {size}");
            int pieces = splitSize == 0 ? 1 : Math.Max((size + splitSize - 1) / splitSize, 1);
            var sizes = Enumerable.Range(0, pieces).Select(i => Math.Min(splitSize, size - i * splitSize)).ToArray();
            return Pieces(self, d, sizes, "SplitBackward0");
        }

        /// <summary>Pieces of the given sizes along <paramref name="dim"/> (views), as <c>torch.split</c> with a list.</summary>
        public Tensor[] Split(int[] splitSizes, int dim = 0)
        {
            ArgumentNullException.ThrowIfNull(self);
            ArgumentNullException.ThrowIfNull(splitSizes);
            if (self.Rank == 0) throw new ArgumentException("split expects at least a 1-dimensional tensor");
            int d = Shapes.WrapDim(dim, self.Rank);
            if (splitSizes.Any(s => s < 0) || splitSizes.Sum(s => (long)s) != self.Dims[d])
                throw new ArgumentException(
                    $"split_with_sizes expects split_sizes to sum exactly to {self.Dims[d]} (input tensor's size at dimension {d}), but got split_sizes={Shapes.Format(splitSizes)}");
            return Pieces(self, d, splitSizes, "SplitWithSizesBackward0");
        }

        /// <summary>At most <paramref name="chunks"/> pieces of equal size (the last smaller) along <paramref name="dim"/>, as <c>torch.chunk</c>.</summary>
        public Tensor[] Chunk(int chunks, int dim = 0)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (self.Rank == 0) throw new ArgumentException("chunk expects at least a 1-dimensional tensor");
            if (chunks <= 0) throw new ArgumentException($"chunk expects `chunks` to be greater than 0, got: {chunks}");
            int d = Shapes.WrapDim(dim, self.Rank);
            int splitSize = (self.Dims[d] + chunks - 1) / chunks;
            if (splitSize == 0 && self.Dims[d] == 0)
                return Pieces(self, d, [.. Enumerable.Repeat(0, chunks)], "SplitWithSizesBackward0");
            return self.Split(splitSize, d);
        }

        /// <summary>The slices along <paramref name="dim"/>, each without that dim (views), as <c>torch.unbind</c>.</summary>
        public Tensor[] Unbind(int dim = 0)
        {
            ArgumentNullException.ThrowIfNull(self);
            if (self.Rank == 0) throw new ArgumentException("Dimension specified as 0 but tensor has no dimensions");
            int d = Shapes.WrapDim(dim, self.Rank);
            var result = new Tensor[self.Dims[d]];
            for (int i = 0; i < result.Length; i++)
            {
                Tensor piece;
                int at = i;
                using (GradMode.Disable()) piece = self.Select(d, at);
                result[i] = MultiOutput(RecordEmbedded(piece, self, "UnbindBackward0", t => t.Select(d, at)), "UnbindBackward0");
            }
            return result;
        }
    }

    /// <summary>A tensor sharing self's storage with another (row-major) shape, recorded under <paramref name="name"/>; self must be contiguous.</summary>
    internal static Tensor Alias(Tensor self, int[] shape, string name)
    {
        var result = self.AsView(shape, ViewStrides(self, shape) ?? throw new InvalidOperationException("alias of a non-viewable layout"), self.Offset);
        return Record(result, self, name, ReshapeTo(self.Dims));
    }

    /// <summary>Elements [start, end) with <paramref name="step"/> of dim <paramref name="d"/>: PyTorch's slice, recorded as SliceBackward0.</summary>
    internal static Tensor Slice(Tensor self, int d, int start, int end, int step)
    {
        int length = end <= start ? 0 : (end - start + step - 1) / step;
        var shape = (int[])self.Dims.Clone();
        var strides = (int[])self.StrideArray.Clone();
        shape[d] = length;
        strides[d] = self.StrideArray[d] * step;
        int offset = checked(self.Offset + start * self.StrideArray[d]);
        return RecordEmbedded(self.AsView(shape, strides, offset), self, "SliceBackward0", t => Slice(t, d, start, end, step));
    }

    private static Tensor[] Pieces(Tensor self, int d, int[] sizes, string name)
    {
        var result = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            Tensor piece;
            int from = start, to = start + sizes[i];
            using (GradMode.Disable()) piece = Slice(self, d, from, to, 1);
            result[i] = MultiOutput(RecordEmbedded(piece, self, name, t => Slice(t, d, from, to, 1)), name);
            start += sizes[i];
        }
        return result;
    }

    private static Tensor MultiOutput(Tensor view, string name)
    {
        view.MultiOutputOf = name;
        return view;
    }

    // Backward closures made in these static helpers capture only the shape, never the input tensor (a lambda in the
    // op's body would share its closure class with any other lambda there that reads self).
    private static Func<Tensor, Tensor> ReshapeTo(int[] shape) => g => g.Reshape(shape);

    private static Func<Tensor, Tensor> SumBackTo(int[] shape) => g => Differentiable.SumTo(g, shape);

    private static Tensor Record(Tensor result, Tensor self, string name, Func<Tensor, Tensor> backward)
    {
        if (Graph.NeedsGrad(self)) Graph.Record(result, name, [self], g => [backward(g)], saved: []);
        return result;
    }

    /// <summary>
    /// Records a view whose gradient is the output gradient placed into zeros of the input's shape at the view's
    /// elements. Which elements those are, <paramref name="sameView"/> tells by taking the same view of a contiguous
    /// stand-in of the input's shape: the input's own storage would merge the elements of an expanded input, which
    /// share memory but are apart in PyTorch's gradient.
    /// </summary>
    private static Tensor RecordEmbedded(Tensor result, Tensor self, string name, Func<Tensor, Tensor> sameView)
    {
        if (!Graph.NeedsGrad(self)) return result;
        int[] dims = self.Dims;
        return Graph.Record(result, name, [self], g =>
        {
            var standIn = Tensor.Uninitialized(DType.Bool, dims);
            return [StridedGeometry.Embed(g, StridedGeometry.Of(standIn), StridedGeometry.Of(sameView(standIn)))];
        }, saved: []);
    }

    private static Tensor Keep(Tensor self, int[] dims) =>
        self.AsView([.. dims.Select(d => self.Dims[d])], [.. dims.Select(d => self.StrideArray[d])], self.Offset);

    private static Tensor Permuted(Tensor self, int[] order) =>
        self.AsView([.. order.Select(d => self.Dims[d])], [.. order.Select(d => self.StrideArray[d])], self.Offset);

    /// <summary>
    /// The strides that show self's elements with <paramref name="shape"/> in row-major order without a copy, or null
    /// when self's layout does not allow it (PyTorch's computeStride: each group of merged or split dims must be
    /// contiguous within itself).
    /// </summary>
    internal static int[]? ViewStrides(Tensor self, int[] shape)
    {
        var oldShape = self.Dims;
        var oldStrides = self.StrideArray;
        var strides = new int[shape.Length];
        if (self.Count == 0 || oldShape.Length == 0) return Strided.ContiguousStrides(shape);
        int viewD = shape.Length - 1;
        long chunkBaseStride = oldStrides[^1], tensorElements = 1, viewElements = 1;
        for (int d = oldShape.Length - 1; d >= 0; d--)
        {
            tensorElements *= oldShape[d];
            // A chunk ends where the next (outer) dim does not continue this one's layout.
            if (d == 0 || oldShape[d - 1] != 1 && oldStrides[d - 1] != tensorElements * chunkBaseStride)
            {
                while (viewD >= 0 && (viewElements < tensorElements || shape[viewD] == 1))
                {
                    strides[viewD] = checked((int)(viewElements * chunkBaseStride));
                    viewElements *= shape[viewD];
                    viewD--;
                }
                if (viewElements != tensorElements) return null;
                if (d > 0)
                {
                    chunkBaseStride = oldStrides[d - 1];
                    tensorElements = 1;
                    viewElements = 1;
                }
            }
        }
        return viewD == -1 ? strides : null;
    }

    private static int[] InferShape(int count, int[] shape)
    {
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (inferred >= 0) throw new ArgumentException("only one dimension can be inferred");
                inferred = i;
            }
            else if (shape[i] < 0) throw new ArgumentException($"invalid shape dimension {shape[i]}");
            // Saturates past int.MaxValue (no count can match then), so the product cannot overflow.
            else known = known <= int.MaxValue ? known * shape[i] : shape[i] == 0 ? 0 : known;
        }
        var result = (int[])shape.Clone();
        if (inferred >= 0 && known != 0 && count % known == 0) result[inferred] = (int)(count / known);
        else if (inferred >= 0 || known != count)
            throw new ArgumentException($"shape '{Shapes.Format(shape)}' is invalid for input of size {count}");
        return result;
    }
}
