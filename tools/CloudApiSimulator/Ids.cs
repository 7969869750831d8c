using System.Security.Cryptography;
using System.Text;

namespace Inbox.CloudApiSimulator;

/// <summary>Identifiers shaped like Meta's.</summary>
public static class Ids
{
    /// <summary>
    /// "wamid." + base64 of the layout real wamids decode to: 1C 18 len customer-digits 15 02 00 (11 outbound |
    /// 12 inbound) 18 len random-hex 00. Unique, opaque, ~60 characters.
    /// </summary>
    public static string NewWamid(string customer, bool inbound)
    {
        var digits = Encoding.ASCII.GetBytes(customer.Length > 20 ? customer[..20] : customer);
        var random = Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(10)));
        var bytes = new List<byte>(digits.Length + random.Length + 10) { 0x1c, 0x18, (byte)digits.Length };
        bytes.AddRange(digits);
        bytes.AddRange([0x15, 0x02, 0x00, inbound ? (byte)0x12 : (byte)0x11, 0x18, (byte)random.Length]);
        bytes.AddRange(random);
        bytes.Add(0x00);
        return "wamid." + Convert.ToBase64String(bytes.ToArray());
    }

    /// <summary>Media ids are numeric strings of 15–16 digits.</summary>
    public static string NewMediaId() =>
        RandomNumberGenerator.GetInt32(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture)
        + RandomNumberGenerator.GetInt32(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A business-scoped user id for a customer, stable per phone number: "US." + 19 digits.</summary>
    public static string BsuidFor(string waId)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes("bsuid:" + waId));
        var value = BitConverter.ToUInt64(hash, 0) % 9_000_000_000_000_000_000UL + 1_000_000_000_000_000_000UL;
        return "US." + value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
