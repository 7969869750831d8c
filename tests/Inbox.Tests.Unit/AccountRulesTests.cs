using Inbox.Api;
using Inbox.Data;

namespace Inbox.Tests.Unit;

public sealed class AccountRulesTests
{
    [Theory]
    [InlineData("ana@example.test", true)]
    [InlineData("a.b+c@sub.example.test", true)]
    [InlineData("not-an-address", false)]
    [InlineData("Ana <ana@example.test>", false)]
    [InlineData("a@b", false)]
    [InlineData(null, false)]
    public void An_email_is_one_plain_address(string? email, bool valid) => Assert.Equal(valid, AccountRules.IsEmail(email));

    [Fact]
    public void A_password_has_at_least_8_characters() =>
        Assert.Equal((false, true), (AccountRules.IsPassword("1234567"), AccountRules.IsPassword("12345678")));

    [Fact]
    public void A_hash_verifies_its_password_only_and_no_hash_verifies_nothing()
    {
        var hash = Passwords.Hash("correct horse");
        Assert.True(Passwords.Verify(hash, "correct horse"));
        Assert.False(Passwords.Verify(hash, "correct horse!"));
        Assert.False(Passwords.Verify(null, "not-a-real-password")); // the dummy hash's own password
    }

    [Fact]
    public void New_tenants_and_invites_check_an_owner_by_the_same_rules() =>
        Assert.Equal(["ownerEmail", "ownerPassword"],
            NewTenantRules.Check("Acme", "acme", "Ana <ana@example.test>", "Ana", "short", null).Select(e => e.Field));

    [Fact]
    public void Search_text_matches_its_own_wildcards_literally() =>
        Assert.Equal(@"%50\% off\_now \\%", LikePattern.Containing(@" 50% off_now \ "));
}
