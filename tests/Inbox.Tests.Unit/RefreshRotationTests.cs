using Inbox.Api.Auth;
using static Inbox.Api.Auth.RefreshRotation;

namespace Inbox.Tests.Unit;

public sealed class RefreshRotationTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private static Presented Token(DateTimeOffset? usedAt = null, bool successorUnused = false, bool revoked = false,
        bool active = true, DateTimeOffset? expiresAt = null) =>
        new(usedAt, expiresAt ?? Now.AddDays(1), successorUnused, revoked, active);

    [Fact]
    public void A_fresh_token_of_an_active_member_is_rotated() =>
        Assert.Equal(new Decision(Outcome.Rotated), Decide(Token(), Now, Grace));

    [Fact]
    public void A_used_token_is_a_reuse_that_revokes_the_session()
    {
        Assert.Equal(new Decision(Outcome.Reused, RevokeSession: true), Decide(Token(usedAt: Now.AddMinutes(-5), successorUnused: true), Now, Grace));
        // Within the grace, but its successor was presented already: the token leaked.
        Assert.Equal(Outcome.Reused, Decide(Token(usedAt: Now.AddSeconds(-5), successorUnused: false), Now, Grace).Outcome);
        // Within the grace, successor unseen, but the session is already over.
        Assert.Equal(Outcome.Reused, Decide(Token(usedAt: Now.AddSeconds(-5), successorUnused: true, revoked: true), Now, Grace).Outcome);
    }

    [Fact]
    public void A_lost_answer_retried_within_the_grace_retires_the_unseen_successor_and_rotates_again() =>
        Assert.Equal(new Decision(Outcome.Rotated, RetireSuccessor: true),
            Decide(Token(usedAt: Now.AddSeconds(-5), successorUnused: true), Now, Grace));

    [Fact]
    public void A_revoked_session_an_expired_token_or_an_inactive_member_gets_nothing()
    {
        Assert.Equal(new Decision(Outcome.Revoked), Decide(Token(revoked: true), Now, Grace));
        Assert.Equal(new Decision(Outcome.Expired), Decide(Token(expiresAt: Now), Now, Grace));
        Assert.Equal(new Decision(Outcome.Inactive, RevokeSession: true), Decide(Token(active: false), Now, Grace));
        Assert.Equal(new Decision(Outcome.Inactive, RetireSuccessor: true, RevokeSession: true),
            Decide(Token(usedAt: Now.AddSeconds(-1), successorUnused: true, active: false), Now, Grace));
    }
}
