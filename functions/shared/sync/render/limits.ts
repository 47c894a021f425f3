/**
 * How long one message body may be, by where it goes (docs/message-text.md explains each figure).
 * Longer texts are cut by `capText` with "[truncated: N more characters]", never silently.
 */

/**
 * A Creatio activity body. Creatio's `Activity.Body` is MaxSizeText (nvarchar(max): no limit of
 * its own); this is our cap, so that one message cannot swell a $batch of up to 100 requests or
 * the case's message history. The full message stays in OpenCX.
 */
export const MAX_ACTIVITY_BODY = 100_000;

/** A WhatsApp text message (Cloud API `text.body`): 4096 characters. */
export const MAX_WHATSAPP_TEXT = 4096;

/** An SMS: 1600 characters is the longest concatenated message providers (e.g. Twilio) accept. */
export const MAX_SMS_TEXT = 1600;

/** Email and web chat through OpenCX: OpenCX documents no limit; the same cap as a Creatio activity. */
export const MAX_REPLY_TEXT = MAX_ACTIVITY_BODY;

/** The longest reply text that can go out to a customer on this OpenCX channel. */
export const maxReplyLength = (channel: string | null | undefined): number => {
  switch ((channel ?? '').toLowerCase()) {
    case 'whatsapp':
      return MAX_WHATSAPP_TEXT;
    case 'sms':
      return MAX_SMS_TEXT;
    default:
      return MAX_REPLY_TEXT;
  }
};
