using System.Globalization;

namespace Autograd;

/// <summary>Values written as Python's <c>repr</c>/<c>str</c> writes them, for PyTorch's messages and module reprs.</summary>
internal static class PythonText
{
    /// <summary>
    /// Python's <c>repr(float)</c>: the shortest digits that round-trip, positional for decimal exponents -4 to 15
    /// ("0.001", "1.0", "1234.5"), else scientific with a two-digit exponent ("1e-05", "1.5e+16").
    /// </summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        string sign = double.IsNegative(value) ? "-" : "";
        if (value == 0) return sign + "0.0";
        // Shortest round-trip digits and the decimal exponent of the first one, from .NET's round-trip text.
        string text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int e = text.IndexOf('E');
        int exponent = e < 0 ? 0 : int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
        string mantissa = e < 0 ? text : text[..e];
        int point = mantissa.IndexOf('.');
        string digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        int integerDigits = point < 0 ? mantissa.Length : point;
        int leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        int decimalExponent = integerDigits - 1 + exponent - leadingZeros;
        if (decimalExponent is < -4 or >= 16)
        {
            string fraction = digits.Length > 1 ? "." + digits[1..] : "";
            string exponentText = Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture);
            return $"{sign}{digits[0]}{fraction}e{(decimalExponent < 0 ? '-' : '+')}{exponentText}";
        }
        if (decimalExponent < 0) return $"{sign}0.{new string('0', -decimalExponent - 1)}{digits}";
        string whole = digits.Length > decimalExponent + 1 ? digits[..(decimalExponent + 1)] : digits.PadRight(decimalExponent + 1, '0');
        string rest = digits.Length > decimalExponent + 1 ? digits[(decimalExponent + 1)..] : "0";
        return $"{sign}{whole}.{rest}";
    }

    /// <summary>Python's <c>str(bool)</c>.</summary>
    public static string Bool(bool value) => value ? "True" : "False";
}
