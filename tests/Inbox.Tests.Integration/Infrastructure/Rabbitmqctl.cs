using System.Diagnostics;

namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>The local broker's rabbitmqctl: to stop and start it, and to see who consumes what on the tests' vhost.</summary>
public static class Rabbitmqctl
{
    /// <summary>Runs rabbitmqctl -q with <paramref name="arguments"/>; its output, or a failed assertion.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-q");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"rabbitmqctl {string.Join(' ', arguments)} failed: {await error}");
        return await output;
    }

    /// <summary>How many consumers <paramref name="queue"/> has on the tests' vhost (0 when it does not exist).</summary>
    public static async Task<int> ConsumersOfAsync(string queue)
    {
        var vhost = Environment.GetEnvironmentVariable("RabbitMq__VirtualHost") ?? "/";
        var lines = await RunAsync("list_consumers", "-p", vhost, "queue_name");
        return lines.Split('\n', StringSplitOptions.TrimEntries).Count(line => line == queue);
    }
}
