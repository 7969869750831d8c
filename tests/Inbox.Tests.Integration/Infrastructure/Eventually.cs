namespace Inbox.Tests.Integration.Infrastructure;

public static class Eventually
{
    /// <summary>Reads until <paramref name="done"/> holds (every 100 ms, 30 s at most), and returns what was read.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Still {value}.");
            await Task.Delay(100);
        }
    }
}
