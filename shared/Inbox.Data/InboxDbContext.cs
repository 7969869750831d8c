using System.Linq.Expressions;
using Inbox.Data.Entities;
using Inbox.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace Inbox.Data;

/// <summary>
/// The one DbContext. Tenant-owned entities are filtered to the current tenant here, and again by PostgreSQL
/// row-level security (see the migrations), so a query that forgot its tenant returns nothing.
/// </summary>
public sealed class InboxDbContext(DbContextOptions<InboxDbContext> options, TenantContext tenant) : DbContext(options)
{
    /// <summary>Read by the query filters; EF evaluates it per query, so it follows the context's tenant.</summary>
    public Guid? CurrentTenantId => tenant.TenantId;

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<Channel> Channels => Set<Channel>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<WebhookLedgerEntry> WebhookLedger => Set<WebhookLedgerEntry>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<MessageReaction> MessageReactions => Set<MessageReaction>();
    public DbSet<PendingStatus> PendingStatuses => Set<PendingStatus>();
    public DbSet<MediaFile> MediaFiles => Set<MediaFile>();
    public DbSet<MediaBlob> MediaBlobs => Set<MediaBlob>();
    public DbSet<ConversationRead> ConversationReads => Set<ConversationRead>();
    public DbSet<ConversationMute> ConversationMutes => Set<ConversationMute>();
    public DbSet<AuthSession> AuthSessions => Set<AuthSession>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<CannedResponse> CannedResponses => Set<CannedResponse>();
    public DbSet<MessageTemplate> MessageTemplates => Set<MessageTemplate>();
    public DbSet<ChannelHealth> ChannelHealth => Set<ChannelHealth>();
    public DbSet<ChannelSignatureFailures> ChannelSignatureFailures => Set<ChannelSignatureFailures>();
    public DbSet<Invite> Invites => Set<Invite>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(InboxDbContext).Assembly);
        modelBuilder.Entity<Tenant>().HasQueryFilter(t => t.Id == CurrentTenantId);
        foreach (var entity in modelBuilder.Model.GetEntityTypes()
                     .Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType)))
        {
            var builder = modelBuilder.Entity(entity.ClrType);
            builder.HasQueryFilter(TenantFilter(entity.ClrType));
            builder.HasOne(typeof(Tenant)).WithMany().HasForeignKey(nameof(ITenantOwned.TenantId));
        }
        SnakeCaseNames.Apply(modelBuilder);
    }

    private LambdaExpression TenantFilter(Type entityType)
    {
        // e => (Guid?)e.TenantId == this.CurrentTenantId
        var e = Expression.Parameter(entityType, "e");
        var tenantId = Expression.Convert(Expression.Property(e, nameof(ITenantOwned.TenantId)), typeof(Guid?));
        var current = Expression.Property(Expression.Constant(this), nameof(CurrentTenantId));
        return Expression.Lambda(Expression.Equal(tenantId, current), e);
    }
}
