namespace Inbox.Api.Auth;

/// <summary>
/// What presenting a refresh token does. Each works once: the presented one is used up and a successor issued in the
/// same session. Presenting a used one again means it leaked, and the whole session is revoked — except the
/// immediately previous token presented again within the retry grace while its successor was never presented: a
/// client retrying a refresh whose answer it lost. It cannot hold both, so that unseen successor is retired and the
/// rotation runs again. A revoked session, an expired token or a member no longer active gets nothing (the last also
/// revokes the session).
/// </summary>
public static class RefreshRotation
{
    public enum Outcome { Rotated, Reused, Revoked, Expired, Inactive }

    /// <summary>The presented token, its session and member, read under the token's row lock.</summary>
    /// <param name="UsedAt">When the token was first presented, if it was.</param>
    /// <param name="SuccessorUnused">It has a successor, and that one was never presented.</param>
    public sealed record Presented(DateTimeOffset? UsedAt, DateTimeOffset ExpiresAt, bool SuccessorUnused, bool SessionRevoked, bool MemberActive);

    /// <param name="RetireSuccessor">Mark the unseen successor used, so presenting it later is a reuse.</param>
    /// <param name="RevokeSession">End the session (and, for a reuse, close its connections).</param>
    public sealed record Decision(Outcome Outcome, bool RetireSuccessor = false, bool RevokeSession = false);

    public static Decision Decide(Presented token, DateTimeOffset now, TimeSpan retryGrace)
    {
        var retried = false;
        if (token.UsedAt is { } usedAt)
        {
            retried = !token.SessionRevoked && usedAt > now - retryGrace && token.SuccessorUnused;
            if (!retried) return new(Outcome.Reused, RevokeSession: true);
        }
        if (token.SessionRevoked) return new(Outcome.Revoked);
        if (token.ExpiresAt <= now) return new(Outcome.Expired, RetireSuccessor: retried);
        if (!token.MemberActive) return new(Outcome.Inactive, RetireSuccessor: retried, RevokeSession: true);
        return new(Outcome.Rotated, RetireSuccessor: retried);
    }
}
