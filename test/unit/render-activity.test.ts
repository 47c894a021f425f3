import { normaliseHistory, type OpenCxMessage } from '../../functions/shared/opencx';
import { isCustomerVisible, renderActivity, type RenderContext } from '../../functions/shared/sync/render';
import emailHistory from '../../local/opencx-sandbox/seeds/history-email.json';
import moreQuotes from '../fixtures/opencx/history-email-more-quotes.json';
import whatsappHistory from '../../local/opencx-sandbox/seeds/history-whatsapp.json';

const SESSION_URL = 'https://dashboard.open.cx/sessions/6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f';

const email = normaliseHistory(emailHistory.items);
const whatsapp = normaliseHistory(whatsappHistory.items);
const quotes = normaliseHistory(moreQuotes.items);

const byId = (messages: OpenCxMessage[], id: string): OpenCxMessage => {
  const found = messages.find((m) => m.id === id);
  if (!found) throw new Error(`no message ${id}`);
  return found;
};

const emailContext: RenderContext = {
  channel: 'email',
  isFirst: false,
  sessionUrl: SESSION_URL,
  customerName: 'Dana Whitfield',
  customerAddress: 'dana.whitfield@example.org',
  agentMailbox: 'help@example.com',
};

const whatsappContext: RenderContext = {
  channel: 'whatsapp',
  isFirst: false,
  sessionUrl: SESSION_URL,
  customerName: 'Jonas Becker',
  customerAddress: '+4915123456789',
};

describe('renderActivity: email', () => {
  it('titles the first customer email with channel, role and subject and removes the Subject line from the body', () => {
    const activity = renderActivity(byId(email, 'msg_01'), { ...emailContext, isFirst: true });

    expect(activity.title).toBe('Email from customer · Charged twice for order 48213');
    expect(activity.body.startsWith('Hello,\n\nI was charged twice')).toBe(true);
    expect(activity.body).not.toContain('Subject:');
  });

  it('lists an attachment with its name, type, readable size and link', () => {
    const activity = renderActivity(byId(email, 'msg_01'), emailContext);

    expect(activity.body).toContain('Attachments:\n- statement-nov.pdf (application/pdf, 180 KB): https://files.example.net/att_9/statement-nov.pdf');
  });

  it('puts the link to the OpenCX session on the first activity only', () => {
    const first = renderActivity(byId(email, 'msg_01'), { ...emailContext, isFirst: true });
    const later = renderActivity(byId(email, 'msg_02'), emailContext);

    expect(first.body.endsWith(`View session in OpenCX: ${SESSION_URL}`)).toBe(true);
    expect(later.body).not.toContain('View session in OpenCX');
  });

  it('trims the quoted text under a Gmail "On ... wrote:" header', () => {
    const activity = renderActivity(byId(email, 'msg_03'), emailContext);

    expect(activity.body).toBe("It's 4417. Can someone just fix this?");
  });

  it('trims an Outlook "From:/Sent:" block under an underscore line', () => {
    const activity = renderActivity(byId(email, 'msg_04'), emailContext);

    expect(activity.body).toBe('Also my colleague wrote to you last week.');
  });

  it('trims a German "Am ... um ... schrieb ...:" header and its quote', () => {
    const activity = renderActivity(byId(quotes, 'msg_de_01'), emailContext);

    expect(activity.body).toBe('Danke, die Gutschrift ist angekommen.');
  });

  it('trims a German "Am ..., ... schrieb Support:" header without an address', () => {
    const activity = renderActivity(byId(quotes, 'msg_de_02'), emailContext);

    expect(activity.body).toBe('Eine Frage noch zur Rechnung.');
  });

  it('trims a German Outlook "Von:/Gesendet:" block without angle brackets', () => {
    const activity = renderActivity(byId(quotes, 'msg_de_03'), emailContext);

    expect(activity.body).toBe('Siehe unten.');
  });

  it('turns an HTML email into readable text with its link as "text (url)" and without the Gmail quote', () => {
    const activity = renderActivity(byId(quotes, 'msg_html_01'), emailContext);

    expect(activity.body).toBe('Thanks, that worked.\n\nOrder: 48213 (https://shop.example.net/orders/48213)');
    expect(activity.isHtml).toBe(false);
  });

  it('writes a customer email as incoming from the customer to our mailbox', () => {
    const activity = renderActivity(byId(email, 'msg_03'), emailContext);

    expect(activity).toMatchObject({
      direction: 'incoming',
      sender: 'Dana Whitfield <dana.whitfield@example.org>',
      recipient: 'Support <help@example.com>',
    });
  });

  it('writes an AI reply as outgoing, titled as an AI reply, from the AI to the customer', () => {
    const activity = renderActivity(byId(email, 'msg_02'), emailContext);

    expect(activity).toMatchObject({
      title: 'Email · AI reply',
      direction: 'outgoing',
      sender: 'Support Assistant (AI) <help@example.com>',
      recipient: 'Dana Whitfield <dana.whitfield@example.org>',
    });
  });

  it('never writes a case-registration mailbox as an address, even when it is given as our mailbox', () => {
    const activity = renderActivity(byId(email, 'msg_03'), {
      ...emailContext,
      agentMailbox: 'Support@Example.com',
      registrationMailboxes: ['support@example.com'],
    });

    expect(activity.recipient).toBe('Support (Email via OpenCX)');
  });
});

describe('renderActivity: layout', () => {
  it('puts the session link on its own paragraph after an HTML email that ends without a line break', () => {
    const message: OpenCxMessage = { ...byId(quotes, 'msg_html_01'), text: '<div>Hi,<br>one more thing.</div><div>Dana</div>' };

    const activity = renderActivity(message, { ...emailContext, isFirst: true });

    expect(activity.body).toBe(`Hi,\none more thing.\nDana\n\nView session in OpenCX: ${SESSION_URL}`);
  });

  it('writes a link whose text is its address once, and other links as "text (url)"', () => {
    const message: OpenCxMessage = {
      ...byId(quotes, 'msg_html_01'),
      text: '<p>See <a href="https://shop.example.net/help/">shop.example.net/help</a> or <a href="https://shop.example.net/returns">the returns page</a>, or write to <a href="mailto:help@example.com">help@example.com</a>.</p>',
    };

    expect(renderActivity(message, emailContext).body).toBe('See shop.example.net/help or the returns page (https://shop.example.net/returns), or write to help@example.com.');
  });
});

describe('renderActivity: WhatsApp and web chat', () => {
  it('renders an image without text as a sentence naming the image and its size, with the link listed', () => {
    const activity = renderActivity(whatsapp[1]!, whatsappContext);

    expect(activity.title).toBe('WhatsApp message from customer');
    expect(activity.body).toBe(
      [
        'Sent an image: IMG-20261121-WA0003.jpg (403 KB)',
        '',
        'Attachments:',
        '- IMG-20261121-WA0003.jpg (image/jpeg, 403 KB): https://files.example.net/att_w1/IMG-20261121-WA0003.jpg',
      ].join('\n'),
    );
  });

  it('renders a WhatsApp voice note as a voice message with its link', () => {
    const activity = renderActivity(whatsapp[3]!, whatsappContext);

    expect(activity.body).toContain('Sent a voice message: PTT-20261121-WA0004.opus (23 KB)');
    expect(activity.body).toContain('https://files.example.net/att_w2/PTT-20261121-WA0004.opus');
  });

  it('names the customer by phone number and our side by channel when there is no mailbox', () => {
    const activity = renderActivity(whatsapp[0]!, { ...whatsappContext, isFirst: true });

    expect(activity).toMatchObject({
      direction: 'incoming',
      sender: 'Jonas Becker (+4915123456789)',
      recipient: 'Support (WhatsApp via OpenCX)',
    });
    expect(activity.body).toBe(`Hallo, mein Paket ist beschädigt angekommen 😕\n\nView session in OpenCX: ${SESSION_URL}`);
  });

  it('titles an AI reply on WhatsApp and an agent reply on web chat by channel and role', () => {
    const aiReply = renderActivity(whatsapp[2]!, whatsappContext);
    const agentReply = renderActivity({ ...whatsapp[2]!, author: 'agent', authorName: 'Lee Agent' }, { ...whatsappContext, channel: 'web' });

    expect(aiReply.title).toBe('WhatsApp · AI reply');
    expect(agentReply).toMatchObject({ title: 'Web chat · Agent reply', direction: 'outgoing', sender: 'Lee Agent (Web chat via OpenCX)' });
  });

  it('leaves quote-like lines of chat messages alone', () => {
    const chat: OpenCxMessage = { ...whatsapp[0]!, text: 'My note says:\n> do not bend' };

    expect(renderActivity(chat, whatsappContext).body).toBe('My note says:\n> do not bend');
  });
});

describe('renderActivity: internal comments', () => {
  it('does not treat an internal agent comment as customer-visible and refuses to render it', () => {
    const comment = byId(email, 'msg_06');

    expect(isCustomerVisible(comment)).toBe(false);
    expect(() => renderActivity(comment, emailContext)).toThrow(/not customer-visible/);
  });
});
