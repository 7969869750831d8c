using Inbox.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inbox.Data;

/// <summary>Where media bytes live, per tenant. Media:Store = postgres (default) or filesystem (Media:Path).</summary>
public interface IMediaStore
{
    /// <summary>Stores the bytes of a file and returns the key to find them again.</summary>
    Task<string> SaveAsync(MediaFile file, byte[] content, CancellationToken cancellationToken);

    Task<Stream?> OpenAsync(MediaFile file, CancellationToken cancellationToken);
}

/// <summary>Bytes in the media_blobs table, under the same row-level security as everything else.</summary>
public sealed class PostgresMediaStore(InboxDbContext db) : IMediaStore
{
    public async Task<string> SaveAsync(MediaFile file, byte[] content, CancellationToken cancellationToken)
    {
        var blob = await db.MediaBlobs.FirstOrDefaultAsync(b => b.MediaFileId == file.Id, cancellationToken);
        if (blob is null) db.MediaBlobs.Add(new MediaBlob { MediaFileId = file.Id, TenantId = file.TenantId, Content = content });
        else blob.Content = content;
        await db.SaveChangesAsync(cancellationToken);
        return $"postgres:{file.Id}";
    }

    public async Task<Stream?> OpenAsync(MediaFile file, CancellationToken cancellationToken)
    {
        var content = await db.MediaBlobs.Where(b => b.MediaFileId == file.Id).Select(b => b.Content)
            .FirstOrDefaultAsync(cancellationToken);
        return content is null ? null : new MemoryStream(content, writable: false);
    }
}

/// <summary>Bytes on disk, one folder per tenant.</summary>
public sealed class FileSystemMediaStore(string root) : IMediaStore
{
    public async Task<string> SaveAsync(MediaFile file, byte[] content, CancellationToken cancellationToken)
    {
        var key = $"{file.TenantId:N}/{file.Id:N}";
        var path = Path.Combine(root, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path + ".tmp", content, cancellationToken);
        File.Move(path + ".tmp", path, overwrite: true);
        return $"filesystem:{key}";
    }

    public Task<Stream?> OpenAsync(MediaFile file, CancellationToken cancellationToken)
    {
        // The key is ours and the file row was read under the caller's tenant; still, never leave the tenant's folder.
        var path = Path.Combine(root, $"{file.TenantId:N}/{file.Id:N}");
        return Task.FromResult<Stream?>(File.Exists(path) ? File.OpenRead(path) : null);
    }
}

public static class MediaStoreRegistration
{
    public static IServiceCollection AddMediaStore(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.Equals(configuration["Media:Store"], "filesystem", StringComparison.OrdinalIgnoreCase))
        {
            var root = configuration["Media:Path"] ?? throw new InvalidOperationException("Media:Path is not configured.");
            services.AddSingleton<IMediaStore>(new FileSystemMediaStore(root));
        }
        else
        {
            services.AddScoped<IMediaStore, PostgresMediaStore>();
        }
        return services;
    }
}
