/**
 * The new words of a plain-text email: the trailing quoted thread (`>` lines, "On … wrote:",
 * "-----Original Message-----", From:/Sent:/To:/Subject: header blocks, forwarded-message
 * markers) found in ONE backwards pass over the lines, in English, German, French, Spanish,
 * Portuguese, Italian, Dutch and Russian. Linear in the input: every line is looked at once,
 * and each check reads at most a bounded prefix of it, so 1 MB costs ten times what 100 KB does.
 */

/** Counts work done, so that tests can show linear growth without timing anything. */
export interface WorkCounter {
  steps: number;
}

export interface QuotedTextResult {
  /** The text above the quoted thread, trailing separators and a mobile footer removed. */
  readonly text: string;
  /** True when a quoted thread was found and removed. */
  readonly cut: boolean;
}

/** Header checks read at most this much of a line: reply headers are short, and this keeps each check O(1). */
const MAX_HEADER_LINE = 400;

// "-----Original Message-----", Gmail's "---------- Forwarded message ---------", Thunderbird's
// "-------- Original Message --------", Outlook's localised variants, Yandex's forward marker.
const SEPARATOR =
  /^[\s>]*-{2,}\s*(?:original message|ursprüngliche nachricht|message d['’]origine|mensaje original|mensagem original|messaggio originale|oorspronkelijk bericht|origineel bericht|исходное сообщение|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|mensagem encaminhada|messaggio inoltrato|doorgestuurd bericht|пересылаемое сообщение|переадресованное сообщение)\s*-*\s*$/i;

// Apple Mail's forward line.
const FORWARD_LINE =
  /^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié|inicio del mensaje reenviado|início da mensagem reencaminhada|inizio messaggio inoltrato|begin doorgestuurd bericht|начало переадресованного сообщения)\s*:\s*$/i;

// The verb of an attribution line ("… wrote:", "… schrieb:", "… a écrit :", "… escribió:",
// "… escreveu:", "… ha scritto:", "… schreef:", "… написал(а):", "… пишет:").
const WROTE_VERB = /(?:^|[\s,])(?:wrote|writes|schrieb|a\s+écrit|escribió|escreveu|ha\s+scritto|scrisse|schreef|написала?|написал\(а\)|пишет|skrev)(?=[\s:])/i;

// Words an attribution line opens with, for the form Gmail wraps over two lines.
const ATTRIBUTION_OPENER = /^\s*(?:On|Am|Le|El|Em|Il|Op|Den|W dniu)\s/;

const ENDS_WITH_COLON = /[:：]\s*$/;
// Gmail in Russian and Yandex write no verb: "чт, 20 нояб. 2026 г. в 13:51, Support <s@example.com>:".
const ENDS_WITH_ADDRESS = /[>)]\s*[:：]\s*$/;
const HAS_DIGIT = /\d/;

const FROM_FIELD = /^\s*\*?(?:From|Von|De|Da|Van|От|Fra|Från|Od)\s*\*?\s*[:：]/i;
// Fields only a mail header has ("Sent:", "Subject:"), and fields ordinary text may start with too
// ("Date:", "To:"): a block counts as a reply header only with From and one of the first kind, so
// "From: London / To: Paris / Date: 3 Dec" in a booking request stays.
const MAIL_FIELD = /^\s*\*?(?:Sent|Subject|Gesendet|Betreff|Envoyé|Objet|Enviado|Enviada|Asunto|Assunto|Inviato|Oggetto|Verzonden|Onderwerp|Отправлено|Тема)\s*\*?\s*[:：]/i;
const OTHER_FIELD = /^\s*\*?(?:Date|To|Cc|Datum|An|À|A|Fecha|Para|Data|Aan|Дата|Кому|Копия)\s*\*?\s*[:：]/i;

const QUOTED = /^\s*>/;
const BLANK = /^\s*$/;
/** Lines a quote header leaves behind above itself: Outlook's underscores, dashes, an `hr` turned into text. */
const RULE = /^\s*(?:[-_=*—–]\s*){3,}$/;

// "Sent from my iPhone" and its relatives: may go (the issue allows it), signatures stay.
const MOBILE_FOOTER =
  /^\s*(?:sent from my [\w .-]{2,30}|sent from (?:outlook|yahoo mail|mail) for [\w .-]{2,20}|get outlook for (?:ios|android)|von meinem [\w .-]{2,30} gesendet|gesendet von meinem [\w .-]{2,30}|envoyé de mon [\w .-]{2,30}|enviado desde mi [\w .-]{2,30}|enviado do meu [\w .-]{2,30}|inviato da(?:l mio)? [\w .-]{2,30}|verzonden (?:vanaf|met) mijn [\w .-]{2,30}|отправлено с [\wа-яё .-]{2,30})\s*(?:\(https?:\/\/\S+\))?\s*$/i;

const head = (line: string): string => (line.length > MAX_HEADER_LINE ? '' : line);

/** "On Thu, Nov 20, 2026 at 1:51 PM Support <s@example.com> wrote:" and its relatives in eight languages. */
export const isAttributionLine = (line: string): boolean => {
  const text = head(line);
  if (text === '' || !ENDS_WITH_COLON.test(text) || !HAS_DIGIT.test(text)) return false;
  return WROTE_VERB.test(text) || ENDS_WITH_ADDRESS.test(text);
};

const isSeparator = (line: string): boolean => {
  const text = head(line);
  return text !== '' && (SEPARATOR.test(text) || FORWARD_LINE.test(text));
};

/** The attribution Gmail wraps over two lines: "On Thu, … Support Assistant" + "<s@example.com> wrote:". */
const isWrappedAttribution = (line: string, next: string | undefined): boolean => {
  if (next === undefined || !ATTRIBUTION_OPENER.test(line) || line.length + next.length > MAX_HEADER_LINE) return false;
  return !isAttributionLine(next) && isAttributionLine(`${line} ${next}`);
};

const fieldPrefix = (line: string): string => line.slice(0, 40);

/** True when a text starts with a mail header field ("From:", "Date:", "Von:", "De :", "От:" …). */
export const isHeaderFieldStart = (text: string): boolean => {
  const prefix = fieldPrefix(text);
  return FROM_FIELD.test(prefix) || MAIL_FIELD.test(prefix) || OTHER_FIELD.test(prefix);
};

/**
 * Cuts the trailing quoted thread off a plain-text email. One pass from the last line up:
 * - a trailing run of `>` lines (blank lines allowed) is quoted;
 * - the earliest reply header (attribution, separator, or a block of two or more header fields
 *   with From and Sent or Subject among them) starts the quoted thread: it and everything below it go;
 * - an attribution whose `>` quote is followed by new text (a bottom-posted reply, Thunderbird's
 *   default) loses only itself and that quote: the reply below stays.
 * A message without new words comes back as `{ text: '', cut: true }`.
 */
export const cutQuotedText = (input: string, counter?: WorkCounter): QuotedTextResult => {
  const lines = input.replace(/\r\n?/g, '\n').split('\n');
  const dropped = new Uint8Array(lines.length);
  let cutAt = lines.length;
  let allQuotedBelow = true;
  // The header-field block the lines below belong to (blank lines do not break it).
  let fieldRun = 0;
  let runHasFrom = false;
  let runHasMailField = false;
  // Whether the nearest non-blank line below is quoted.
  let quoteBelow = false;
  // The nearest non-blank, non-quoted line below (-1: none), and the one below the quote run below.
  let textBelow = -1;
  let textAfterRun = -1;

  for (let i = lines.length - 1; i >= 0; i -= 1) {
    if (counter) counter.steps += 1;
    const line = lines[i]!;
    if (BLANK.test(line)) continue;
    if (QUOTED.test(line)) {
      if (allQuotedBelow) cutAt = i;
      if (!quoteBelow) {
        quoteBelow = true;
        textAfterRun = textBelow;
      }
      fieldRun = 0;
      runHasFrom = false;
      runHasMailField = false;
      continue;
    }
    allQuotedBelow = false;
    const newTextAfterQuote = quoteBelow && textAfterRun >= 0 && textAfterRun < cutAt;
    quoteBelow = false;
    textBelow = i;

    const prefix = fieldPrefix(line);
    const isFrom = FROM_FIELD.test(prefix);
    const isMailField = !isFrom && MAIL_FIELD.test(prefix);
    if (isFrom || isMailField || OTHER_FIELD.test(prefix)) {
      fieldRun += 1;
      runHasFrom ||= isFrom;
      runHasMailField ||= isMailField;
      if (fieldRun >= 2 && runHasFrom && runHasMailField) cutAt = i;
      continue;
    }
    fieldRun = 0;
    runHasFrom = false;
    runHasMailField = false;

    if (isAttributionLine(line)) {
      if (newTextAfterQuote) {
        dropped.fill(1, i, textAfterRun); // bottom-posted: only the attribution and its quote go
      } else {
        cutAt = i;
      }
    } else if (isSeparator(line) || isWrappedAttribution(line, lines[i + 1])) {
      cutAt = i;
    }
  }

  const kept: string[] = [];
  let removedAny = cutAt < lines.length;
  for (let i = 0; i < cutAt; i += 1) {
    if (dropped[i]) removedAny = true;
    else kept.push(lines[i]!);
  }
  return { text: tidyEnd(kept, kept.length, counter), cut: removedAny };
};

/**
 * The first `end` lines with trailing blanks, rules ("____", "-----") and one mobile footer
 * ("Sent from my iPhone") removed. Signatures stay.
 */
const tidyEnd = (lines: readonly string[], end: number, counter?: WorkCounter): string => {
  let last = end - 1;
  const skipBlankAndRules = () => {
    while (last >= 0 && (BLANK.test(lines[last]!) || RULE.test(lines[last]!))) {
      if (counter) counter.steps += 1;
      last -= 1;
    }
  };
  skipBlankAndRules();
  if (last >= 0 && MOBILE_FOOTER.test(head(lines[last]!))) {
    last -= 1;
    skipBlankAndRules();
  }
  let first = 0;
  while (first <= last && BLANK.test(lines[first]!)) first += 1;
  return lines.slice(first, last + 1).join('\n');
};
