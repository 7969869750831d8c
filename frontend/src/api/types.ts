// Shapes of the agent API (shared/Inbox.Contracts/Snapshots.cs and services/Api), camelCase as served.

export interface Session {
  accessToken: string;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  userId: string;
  name: string;
  tenantId: string;
  tenantSlug: string;
  role: 'owner' | 'admin' | 'agent';
}

export interface Media {
  status: string; // pending | ready | failed
  mimeType: string | null;
  filename: string | null;
  size: number | null;
  url: string;
}

export interface Reaction {
  contactId: string;
  emoji: string;
  reactedAt: string;
}

export interface Message {
  id: string;
  conversationId: string;
  wamid: string | null;
  direction: 'inbound' | 'outbound';
  type: string;
  text: string | null;
  content: Record<string, unknown> | null;
  sentAt: string;
  status: string | null;
  statusAt: string | null;
  errorCode: number | null;
  errorTitle: string | null;
  errorDetails: string | null;
  replyToWamid: string | null;
  forwarded: string | null;
  media: Media | null;
  reactions: Reaction[];
  senderUserId?: string | null;
}

export interface Conversation {
  id: string;
  channelId: string;
  contactId: string;
  contactName: string | null;
  contactWaId: string | null;
  status: 'open' | 'pending' | 'resolved' | 'snoozed';
  lastMessageAt: string | null;
  lastMessagePreview: string | null;
  unreadCount: number;
  lastInboundAt: string | null;
  windowClosesAt: string | null;
  windowOpen: boolean;
  assigneeId: string | null;
  assigneeName: string | null;
  priority: string;
  labels: string[] | null;
  snoozedUntil: string | null;
  lastActivityAt: string | null;
  myUnreadCount: number | null;
  /** The signed-in agent muted it (API responses; null in events). */
  muted: boolean | null;
}

/** A customer (GET /api/contacts/{id}): name is an agent's (namedByAgent) or else the WhatsApp profile name. */
export interface Contact {
  id: string;
  name: string | null;
  profileName: string | null;
  namedByAgent: boolean;
  waId: string | null;
  /** WhatsApp's business-scoped user id (e.g. US.1349…), the customer's identity when they use a username. */
  bsuid: string | null;
  /** The tenant's own key/value pairs. */
  attributes: Record<string, AttributeValue>;
  createdAt: string;
  updatedAt: string;
}

export type AttributeValue = string | number | boolean;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Member {
  userId: string;
  name: string;
  email: string;
  role: string;
  active: boolean;
}

/** One of Meta's template components (HEADER, BODY, FOOTER, BUTTONS), as WhatsApp defines the template. */
export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: { type: string; text: string; url?: string; phone_number?: string }[];
}

/** A template of a number's WhatsApp Business Account, as Meta holds it; only "approved" ones can be sent. */
export interface Template {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  category: string;
  status: string;
  statusReason: string | null;
  statusDetail: string | null;
  statusAt: string;
  parameterFormat: string | null;
  body: string;
  components: TemplateComponent[];
  updatedAt: string;
}

export interface CannedResponse {
  id: string;
  shortCode: string;
  content: string;
  scope: 'tenant' | 'personal';
}

/** One event of the tenant's stream as GET /api/events returns it. */
export interface StreamedEvent {
  position: number;
  sequence: number | null;
  conversationId: string | null;
  name: string;
  payload: Record<string, unknown> & { position: number };
}

export interface EventPage {
  events: StreamedEvent[];
  latestPosition: number;
  hasMore: boolean;
}
