/** Attachments as a rep reads them in an activity: name, type, size and link. */
import type { OpenCxMessageAttachment } from '../../opencx/messages';

/** 412877 → "403 KB" (binary units, as file managers show them). */
export const formatBytes = (bytes: number): string => {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${Math.round(bytes)} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
  return `${shown} ${units[unit]}`;
};

const isVoiceNote = (a: OpenCxMessageAttachment): boolean => {
  const type = a.type.toLowerCase();
  const name = a.name.toLowerCase();
  // WhatsApp voice notes arrive as "PTT-<date>-WA<n>.opus", audio/ogg (Opus).
  return type.startsWith('audio/') && (name.startsWith('ptt-') || name.endsWith('.opus') || type.includes('ogg') || type.includes('opus'));
};

/** "an image", "a voice message", ... for the sentence an attachment-only message renders as. */
export const attachmentNoun = (a: OpenCxMessageAttachment): string => {
  const type = a.type.toLowerCase();
  if (type.startsWith('image/')) return 'an image';
  if (isVoiceNote(a)) return 'a voice message';
  if (type.startsWith('audio/')) return 'an audio file';
  if (type.startsWith('video/')) return 'a video';
  if (type === 'application/pdf') return 'a PDF';
  return 'a file';
};

const nameAndSize = (a: OpenCxMessageAttachment): string => (a.size !== undefined ? `${a.name} (${formatBytes(a.size)})` : a.name);

/** "Sent an image: IMG-20261121-WA0003.jpg (403 KB)" / "Sent 2 attachments: a.pdf (1 KB), b.png (2 KB)". */
export const describeAttachmentsSentence = (attachments: readonly OpenCxMessageAttachment[]): string => {
  const [first] = attachments;
  if (first === undefined) return '';
  if (attachments.length === 1) return `Sent ${attachmentNoun(first)}: ${nameAndSize(first)}`;
  return `Sent ${attachments.length} attachments: ${attachments.map(nameAndSize).join(', ')}`;
};

/** "Attachments:" followed by one "- name (type, size): url" line each; '' when there are none. */
export const attachmentList = (attachments: readonly OpenCxMessageAttachment[]): string => {
  if (attachments.length === 0) return '';
  const lines = attachments.map((a) => {
    const details = [a.type, a.size !== undefined ? formatBytes(a.size) : undefined].filter(Boolean).join(', ');
    return `- ${a.name} (${details})${a.url ? `: ${a.url}` : ''}`;
  });
  return ['Attachments:', ...lines].join('\n');
};
