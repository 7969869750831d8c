using Inbox.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Inbox.Data.Configurations;

// One configuration per entity. The schema itself is written by hand in Migrations/; these map onto it.

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> b) => b.ToTable("tenants");
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b) => b.ToTable("users");
}

internal sealed class MembershipConfiguration : IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Membership> b)
    {
        b.ToTable("memberships");
        b.HasKey(m => new { m.TenantId, m.UserId });
        b.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId);
    }
}

internal sealed class ChannelConfiguration : IEntityTypeConfiguration<Channel>
{
    public void Configure(EntityTypeBuilder<Channel> b) => b.ToTable("channels");
}

internal sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> b)
    {
        b.ToTable("contacts");
        b.Property(c => c.Attributes).HasColumnType("jsonb");
    }
}

internal sealed class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> b)
    {
        b.ToTable("conversations");
        b.HasOne(c => c.Contact).WithMany().HasForeignKey(c => c.ContactId);
        b.HasOne(c => c.Assignee).WithMany().HasForeignKey(c => c.AssigneeId);
        b.Property(c => c.ActivityAt).ValueGeneratedOnAddOrUpdate();
        b.Property(c => c.ActivityAt).Metadata.SetAfterSaveBehavior(Microsoft.EntityFrameworkCore.Metadata.PropertySaveBehavior.Ignore);
        b.Property(c => c.ActivityAt).Metadata.SetBeforeSaveBehavior(Microsoft.EntityFrameworkCore.Metadata.PropertySaveBehavior.Ignore);
    }
}

internal sealed class ConversationReadConfiguration : IEntityTypeConfiguration<ConversationRead>
{
    public void Configure(EntityTypeBuilder<ConversationRead> b)
    {
        b.ToTable("conversation_reads");
        b.HasKey(r => new { r.ConversationId, r.UserId });
    }
}

internal sealed class ConversationMuteConfiguration : IEntityTypeConfiguration<ConversationMute>
{
    public void Configure(EntityTypeBuilder<ConversationMute> b)
    {
        b.ToTable("conversation_mutes");
        b.HasKey(m => new { m.ConversationId, m.UserId });
    }
}

internal sealed class AuthSessionConfiguration : IEntityTypeConfiguration<AuthSession>
{
    public void Configure(EntityTypeBuilder<AuthSession> b) => b.ToTable("auth_sessions");
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> b)
    {
        b.ToTable("refresh_tokens");
        b.HasKey(t => t.TokenHash);
    }
}

internal sealed class CannedResponseConfiguration : IEntityTypeConfiguration<CannedResponse>
{
    public void Configure(EntityTypeBuilder<CannedResponse> b) => b.ToTable("canned_responses");
}

internal sealed class MessageTemplateConfiguration : IEntityTypeConfiguration<MessageTemplate>
{
    public void Configure(EntityTypeBuilder<MessageTemplate> b)
    {
        b.ToTable("message_templates");
        b.Property(t => t.Components).HasColumnType("jsonb");
    }
}

internal sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> b)
    {
        b.ToTable("messages");
        b.Property(m => m.Payload).HasColumnType("jsonb");
        b.Property(m => m.Content).HasColumnType("jsonb");
        b.Property(m => m.Referral).HasColumnType("jsonb");
        b.HasOne(m => m.MediaFile).WithOne().HasForeignKey<MediaFile>(f => f.MessageId);
    }
}

internal sealed class WebhookLedgerEntryConfiguration : IEntityTypeConfiguration<WebhookLedgerEntry>
{
    public void Configure(EntityTypeBuilder<WebhookLedgerEntry> b)
    {
        b.ToTable("webhook_ledger");
        b.Property(w => w.Id).UseIdentityAlwaysColumn();
        b.Property(w => w.Detail).HasColumnType("jsonb");
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("outbox");
        b.Property(o => o.Id).UseIdentityAlwaysColumn();
        b.Property(o => o.Position).ValueGeneratedOnAdd(); // numbered by the relay (outbox_relay_step)
        b.Property(o => o.Sequence).ValueGeneratedOnAdd();
        b.Property(o => o.Payload).HasColumnType("jsonb");
    }
}

internal sealed class MessageReactionConfiguration : IEntityTypeConfiguration<MessageReaction>
{
    public void Configure(EntityTypeBuilder<MessageReaction> b)
    {
        b.ToTable("message_reactions");
        b.HasKey(r => new { r.ChannelId, r.TargetWamid, r.ContactId });
    }
}

internal sealed class PendingStatusConfiguration : IEntityTypeConfiguration<PendingStatus>
{
    public void Configure(EntityTypeBuilder<PendingStatus> b)
    {
        b.ToTable("pending_statuses");
        b.HasKey(p => new { p.ChannelId, p.Wamid, p.Status });
    }
}

internal sealed class MediaFileConfiguration : IEntityTypeConfiguration<MediaFile>
{
    public void Configure(EntityTypeBuilder<MediaFile> b)
    {
        b.ToTable("media_files");
        b.Property(f => f.WhatsAppMediaId).HasColumnName("whatsapp_media_id");
    }
}

internal sealed class MediaBlobConfiguration : IEntityTypeConfiguration<MediaBlob>
{
    public void Configure(EntityTypeBuilder<MediaBlob> b)
    {
        b.ToTable("media_blobs");
        b.HasKey(m => m.MediaFileId);
        b.HasOne<MediaFile>().WithOne().HasForeignKey<MediaBlob>(m => m.MediaFileId);
    }
}

internal sealed class ChannelHealthConfiguration : IEntityTypeConfiguration<ChannelHealth>
{
    public void Configure(EntityTypeBuilder<ChannelHealth> b)
    {
        b.ToTable("channel_health");
        b.HasKey(h => h.ChannelId);
    }
}

internal sealed class ChannelSignatureFailuresConfiguration : IEntityTypeConfiguration<ChannelSignatureFailures>
{
    public void Configure(EntityTypeBuilder<ChannelSignatureFailures> b)
    {
        b.ToTable("channel_signature_failures");
        b.HasKey(f => new { f.ChannelId, f.Hour });
    }
}

internal sealed class InviteConfiguration : IEntityTypeConfiguration<Invite>
{
    public void Configure(EntityTypeBuilder<Invite> b)
    {
        b.ToTable("invites");
        b.HasOne(i => i.Inviter).WithMany().HasForeignKey(i => i.InvitedBy);
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable("audit_log");
        b.Property(a => a.Before).HasColumnType("jsonb");
        b.Property(a => a.After).HasColumnType("jsonb");
        b.HasOne(a => a.Actor).WithMany().HasForeignKey(a => a.ActorUserId);
    }
}
