using Inbox.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Inbox.Data;

/// <summary>Where media bytes live, per tenant. Media:Store = postgres (default) or filesystem (Media:Path).</summary>
public interface IMediaStore
{
    /// <summary>Stores the bytes of a file, read from <paramref name="content"/> as they come, and returns the key to find them again.</summary>
    Task<string> SaveAsync(MediaFile file, Stream content, CancellationToken cancellationToken);

    /// <summary>The bytes, readable and seekable (an upload to WhatsApp may have to send them again), or null when gone.</summary>
    Task<Stream?> OpenAsync(MediaFile file, CancellationToken cancellationToken);

    /// <summary>Removes the bytes (before the file's row goes); nothing to remove is not an error.</summary>
    Task DeleteAsync(MediaFile file, CancellationToken cancellationToken);
}

/// <summary>Bytes in the media_blobs table, under the same row-level security as everything else.</summary>
public sealed class PostgresMediaStore(InboxDbContext db) : IMediaStore
{
    public async Task<string> SaveAsync(MediaFile file, Stream content, CancellationToken cancellationToken)
    {
        // Npgsql writes the stream into the statement as it reads it: an upload is not held in memory on the way in.
        var bytes = new NpgsqlParameter("content", NpgsqlDbType.Bytea) { Value = content };
        if (content.CanSeek) bytes.Size = checked((int)(content.Length - content.Position));
        await db.Database.ExecuteSqlAsync($"""
            insert into media_blobs (media_file_id, tenant_id, content) values ({file.Id}, {file.TenantId}, {bytes})
            on conflict (media_file_id) do update set content = excluded.content
            """, cancellationToken);
        return $"postgres:{file.Id}";
    }

    public async Task<Stream?> OpenAsync(MediaFile file, CancellationToken cancellationToken)
    {
        var content = await db.MediaBlobs.Where(b => b.MediaFileId == file.Id).Select(b => b.Content)
            .FirstOrDefaultAsync(cancellationToken);
        return content is null ? null : new MemoryStream(content, writable: false);
    }

    public Task DeleteAsync(MediaFile file, CancellationToken cancellationToken) =>
        db.MediaBlobs.Where(b => b.MediaFileId == file.Id).ExecuteDeleteAsync(cancellationToken);
}

/// <summary>Bytes on disk, one folder per tenant.</summary>
public sealed class FileSystemMediaStore(string root) : IMediaStore
{
    public async Task<string> SaveAsync(MediaFile file, Stream content, CancellationToken cancellationToken)
    {
        var key = $"{file.TenantId:N}/{file.Id:N}";
        var path = Path.Combine(root, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var target = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            await content.CopyToAsync(target, cancellationToken);
        File.Move(path + ".tmp", path, overwrite: true);
        return $"filesystem:{key}";
    }

    public Task<Stream?> OpenAsync(MediaFile file, CancellationToken cancellationToken)
    {
        // The key is ours and the file row was read under the caller's tenant; still, never leave the tenant's folder.
        var path = PathOf(file);
        return Task.FromResult<Stream?>(File.Exists(path) ? File.OpenRead(path) : null);
    }

    public Task DeleteAsync(MediaFile file, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(file));
        return Task.CompletedTask;
    }

    private string PathOf(MediaFile file) => Path.Combine(root, $"{file.TenantId:N}/{file.Id:N}");
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
