namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// Where the real PostgreSQL and RabbitMQ are. `./inbox test` exports these (an inbox-test virtual host and, without
/// a database container, a fresh inbox_test database); running the tests any other way must provide them too. The
/// connection strings are read after <see cref="TestDatabase.StartAsync"/>, which sets them for a container.
/// </summary>
public static class TestSettings
{
    public static string AppConnectionString => Required("ConnectionStrings__Inbox");
    public static string OwnerConnectionString => Required("ConnectionStrings__InboxOwner");
    public static string AppSecret => Required("WhatsApp__AppSecret");
    public static string VerifyToken => Required("WhatsApp__VerifyToken");

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name)
        ?? throw new InvalidOperationException($"{name} is not set: run the tests with ./inbox test.");
}
