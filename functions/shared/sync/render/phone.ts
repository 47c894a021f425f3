import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export interface ToE164Options {
  /**
   * The number is known to be international even without a `+` (WhatsApp gives `14155550134`):
   * digits-only input is read as `+<digits>` before the default country is tried.
   */
  readonly international?: boolean;
}

const clean = (phone: string): string =>
  phone
    .trim()
    .replace(/^(?:whatsapp|tel|sms):/i, '')
    .trim()
    .replace(/^00(?=[1-9])/, '+');

const valid = (text: string, defaultCountry?: CountryCode): string | undefined => {
  const parsed = parsePhoneNumberFromString(text, defaultCountry);
  return parsed?.isValid() ? parsed.number : undefined;
};

/**
 * A phone number in E.164 ("+4915123456789"), the form contacts are matched by, or undefined when
 * it cannot be parsed as a valid number. Accepts "whatsapp:", "tel:" and "sms:" prefixes and a
 * "00" international prefix; national numbers ("(415) 555-0134", "0151 2345 6789") need
 * `defaultCountry`. Digits-only numbers that are not valid in the default country are tried as
 * international; with `international`, they are tried that way first.
 */
export const toE164 = (phone: string | null | undefined, defaultCountry?: CountryCode, options: ToE164Options = {}): string | undefined => {
  if (typeof phone !== 'string') return undefined;
  const cleaned = clean(phone);
  if (cleaned === '' || !/\d/.test(cleaned)) return undefined;
  const digitsOnly = /^\d{6,15}$/.test(cleaned);
  if (digitsOnly && options.international) return valid(`+${cleaned}`) ?? valid(cleaned, defaultCountry);
  return valid(cleaned, defaultCountry) ?? (digitsOnly ? valid(`+${cleaned}`) : undefined);
};

/** The national significant number of an E.164 number: `+14155550134` → `4155550134`. */
export const nationalSignificantNumber = (e164: string): string | undefined => {
  const parsed = parsePhoneNumberFromString(e164);
  return parsed?.isValid() ? String(parsed.nationalNumber) : undefined;
};

/**
 * Creatio's `ContactCommunication.SearchNumber`: the digits of the number as typed, reversed
 * (`+1 (415) 555-0134` → `43105551414`). A number typed with or without country code or trunk
 * prefix starts, reversed, with the reversed national significant number: that is the search key.
 */
export const reversedDigits = (value: string): string => [...value.replace(/\D/g, '')].reverse().join('');
