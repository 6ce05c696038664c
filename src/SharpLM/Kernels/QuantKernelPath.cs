using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpLM.Kernels;

/// <summary>Which instruction set the int8 dot kernels use.</summary>
public enum QuantKernelPath
{
    /// <summary>Plain C#: runs everywhere, the reference for the others.</summary>
    Scalar,
    /// <summary>AVX2: unsigned×signed byte products with vpmaddubsw, pair sums with vpmaddwd.</summary>
    Avx2,
    /// <summary>AVX-VNNI: vpdpbusd multiplies bytes and sums four products into each int32 lane in one instruction.</summary>
    AvxVnni,
}

/// <summary>Chooses the int8 dot path at run time from what the CPU supports; tests may force one.</summary>
public static class QuantKernelPaths
{
    [ThreadStatic] private static QuantKernelPath? _forced;

    /// <summary>The best path this CPU supports.</summary>
    public static QuantKernelPath Best { get; } =
        AvxVnni.IsSupported ? QuantKernelPath.AvxVnni : Avx2.IsSupported ? QuantKernelPath.Avx2 : QuantKernelPath.Scalar;

    /// <summary>True when this CPU can run <paramref name="path"/>.</summary>
    public static bool IsSupported(QuantKernelPath path) => path switch
    {
        QuantKernelPath.Scalar => true,
        QuantKernelPath.Avx2 => Avx2.IsSupported,
        QuantKernelPath.AvxVnni => AvxVnni.IsSupported,
        _ => false,
    };

    /// <summary>The path kernels use now: <see cref="Best"/> unless one is forced.</summary>
    public static QuantKernelPath Current => _forced ?? Best;

    /// <summary>Forces <paramref name="path"/> on the calling thread (for tests and benchmarks) until the returned scope is disposed; kernels read it once per call on the caller.</summary>
    public static IDisposable Force(QuantKernelPath path)
    {
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"this CPU cannot run the {path} int8 kernels");
        var previous = _forced;
        _forced = path;
        return new Restore(previous);
    }

    private sealed class Restore(QuantKernelPath? previous) : IDisposable
    {
        public void Dispose() => _forced = previous;
    }
}

/// <summary>
/// Unsigned-byte × signed-byte products summed four at a time into int32 lanes (vpdpbusd's
/// meaning), the core of every int8 dot kernel; implemented by AVX2 or AVX-VNNI.
/// </summary>
internal interface IByteDot
{
    /// <summary>Lane i = Σ_{j&lt;4} u[4i+j]·s[4i+j].</summary>
    static abstract Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s);
}

/// <summary>AVX2: vpmaddubsw (pairs to int16, no overflow for |u| ≤ 128 and |s| ≤ 127) then vpmaddwd with ones.</summary>
internal readonly struct Avx2ByteDot : IByteDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256.Create((short)1));
}

/// <summary>AVX-VNNI: one vpdpbusd.</summary>
internal readonly struct VnniByteDot : IByteDot
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot(Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, s);
}
