using System.Security.Cryptography;
using System.Text;

namespace Inbox.Data;

/// <summary>
/// Encrypts channel secrets (access tokens, app secrets) at rest with AES-GCM under a key from configuration
/// (Secrets:Key, 32 bytes base64). Stored form: nonce (12) | tag (16) | ciphertext.
/// </summary>
public sealed class SecretProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public SecretProtector(string base64Key)
    {
        _key = Convert.FromBase64String(base64Key);
        if (_key.Length != 32) throw new ArgumentException("Secrets:Key must be 32 bytes, base64-encoded.");
    }

    public byte[] Protect(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBox = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBox.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBox.AsSpan(NonceSize + TagSize), sealedBox.AsSpan(NonceSize, TagSize));
        return sealedBox;
    }

    public string Unprotect(byte[] sealedBox)
    {
        var plain = new byte[sealedBox.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBox.AsSpan(0, NonceSize), sealedBox.AsSpan(NonceSize + TagSize),
            sealedBox.AsSpan(NonceSize, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }
}
