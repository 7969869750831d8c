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
    public void Configure(EntityTypeBuilder<Contact> b) => b.ToTable("contacts");
}

internal sealed class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> b)
    {
        b.ToTable("conversations");
        b.HasOne(c => c.Contact).WithMany().HasForeignKey(c => c.ContactId);
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
        b.Property(o => o.Position).ValueGeneratedOnAdd(); // numbered by the outbox_number trigger
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
