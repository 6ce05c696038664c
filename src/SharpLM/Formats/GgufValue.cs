using System.Globalization;

namespace SharpLM.Formats;

/// <summary>
/// One typed GGUF metadata value: a scalar, a string, or an array of one element type (held as
/// a typed .NET array: <c>uint[]</c>, <c>float[]</c>, <c>string[]</c>…). The type is kept so a file
/// reads and writes back byte for byte.
/// </summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, GgufValueType elementType, object value)
    {
        Type = type;
        ElementType = elementType;
        Value = value;
    }

    /// <summary>The value's type tag.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the elements' type (otherwise equal to <see cref="Type"/>).</summary>
    public GgufValueType ElementType { get; }

    /// <summary>The payload: a boxed scalar, a string, or a typed array.</summary>
    public object Value { get; }

    /// <summary>A string value.</summary>
    public static GgufValue String(string value) => new(GgufValueType.String, GgufValueType.String, value ?? throw new ArgumentNullException(nameof(value)));
    /// <summary>A uint32 value.</summary>
    public static GgufValue UInt32(uint value) => new(GgufValueType.UInt32, GgufValueType.UInt32, value);
    /// <summary>An int32 value.</summary>
    public static GgufValue Int32(int value) => new(GgufValueType.Int32, GgufValueType.Int32, value);
    /// <summary>A uint64 value.</summary>
    public static GgufValue UInt64(ulong value) => new(GgufValueType.UInt64, GgufValueType.UInt64, value);
    /// <summary>A float32 value.</summary>
    public static GgufValue Float32(float value) => new(GgufValueType.Float32, GgufValueType.Float32, value);
    /// <summary>A bool value.</summary>
    public static GgufValue Bool(bool value) => new(GgufValueType.Bool, GgufValueType.Bool, value);

    /// <summary>A scalar of any non-array type from its boxed .NET value (byte, sbyte, ushort, short, uint, int, float, bool, string, ulong, long, double).</summary>
    public static GgufValue Scalar(GgufValueType type, object value)
    {
        if (type == GgufValueType.Array) throw new ArgumentException("use GgufValue.Array for arrays", nameof(type));
        if (value.GetType() != ClrType(type)) throw new ArgumentException($"a GGUF {type} needs a {ClrType(type).Name}, got {value.GetType().Name}", nameof(value));
        return new GgufValue(type, type, value);
    }

    /// <summary>An array of <paramref name="elementType"/>; <paramref name="elements"/> must be the matching typed array (e.g. <c>int[]</c> for Int32).</summary>
    public static GgufValue Array(GgufValueType elementType, System.Array elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        if (elementType == GgufValueType.Array) throw new NotSupportedException("nested GGUF arrays are not supported");
        if (elements.GetType().GetElementType() != ClrType(elementType))
            throw new ArgumentException($"a GGUF array of {elementType} needs a {ClrType(elementType).Name}[], got {elements.GetType().Name}", nameof(elements));
        return new GgufValue(GgufValueType.Array, elementType, elements);
    }

    /// <summary>The .NET type that holds one value of <paramref name="type"/>.</summary>
    public static Type ClrType(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(type), $"no scalar .NET type for GGUF {type}"),
    };

    /// <summary>True for the integer scalar types.</summary>
    public bool IsInteger => Type is GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.UInt16 or GgufValueType.Int16
        or GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.UInt64 or GgufValueType.Int64;

    /// <summary>The string (throws when this is not a string).</summary>
    public string AsString() => Value as string ?? throw new InvalidCastException($"GGUF value is {Describe()}, not a string");

    /// <summary>Any integer scalar as int64 (throws for other types or a uint64 above int64's range).</summary>
    public long AsInt64()
    {
        if (!IsInteger) throw new InvalidCastException($"GGUF value is {Describe()}, not an integer");
        return Value is ulong u ? checked((long)u) : Convert.ToInt64(Value, CultureInfo.InvariantCulture);
    }

    /// <summary>A float32/float64 or integer scalar as float32.</summary>
    public float AsFloat() => Value switch
    {
        float f => f,
        double d => (float)d,
        _ when IsInteger => AsInt64(),
        _ => throw new InvalidCastException($"GGUF value is {Describe()}, not a number"),
    };

    /// <summary>The bool (throws when this is not a bool).</summary>
    public bool AsBool() => Value is bool b ? b : throw new InvalidCastException($"GGUF value is {Describe()}, not a bool");

    /// <summary>An array's elements as a typed array of <typeparamref name="T"/> (throws on a type mismatch).</summary>
    public T[] AsArray<T>() => Value as T[] ?? throw new InvalidCastException($"GGUF value is {Describe()}, not an array of {typeof(T).Name}");

    /// <summary>An integer array's elements widened to int32 (throws when an element does not fit).</summary>
    public int[] AsInt32Array()
    {
        if (Value is not System.Array a || Type != GgufValueType.Array) throw new InvalidCastException($"GGUF value is {Describe()}, not an array");
        var result = new int[a.Length];
        for (int i = 0; i < a.Length; i++) result[i] = checked((int)Convert.ToInt64(a.GetValue(i), CultureInfo.InvariantCulture));
        return result;
    }

    /// <summary>Element count for arrays, 1 otherwise.</summary>
    public int Count => Value is System.Array a && Type == GgufValueType.Array ? a.Length : 1;

    /// <summary>A short human description ("uint32 2048", "array of 32000 string"…).</summary>
    public string Describe() => Type == GgufValueType.Array
        ? $"array of {Count} {ElementType.ToString().ToLowerInvariant()}"
        : $"{Type.ToString().ToLowerInvariant()} {Preview()}";

    private string Preview() => Value is string s ? (s.Length > 60 ? $"\"{s[..57]}…\"" : $"\"{s}\"") : Convert.ToString(Value, CultureInfo.InvariantCulture) ?? "";

    /// <inheritdoc />
    public override string ToString() => Describe();
}
