namespace Inbox.Tests.Integration.Infrastructure;

/// <summary>
/// Where the real PostgreSQL and RabbitMQ are. `./inbox test` exports these (a fresh inbox_test database and
/// an inbox-test virtual host); running the tests any other way must provide them too.
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
