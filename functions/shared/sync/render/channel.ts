/** How an OpenCX channel type reads in a Creatio activity title. */
const LABELS: Readonly<Record<string, string>> = {
  email: 'Email',
  whatsapp: 'WhatsApp',
  sms: 'SMS',
  web: 'Web chat',
  web_voice: 'Web voice call',
  phone: 'Phone call',
  phone_voice: 'Phone call',
  slack: 'Slack',
  instagram: 'Instagram',
  messenger: 'Messenger',
  api: 'API',
};

export const channelLabel = (channel: string | null | undefined): string => LABELS[(channel ?? '').toLowerCase()] ?? 'Chat';

export const isEmailChannel = (channel: string | null | undefined): boolean => (channel ?? '').toLowerCase() === 'email';

export const isVoiceChannel = (channel: string | null | undefined): boolean => ['phone', 'phone_voice', 'web_voice'].includes((channel ?? '').toLowerCase());
