import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A phone number in E.164 ("+4915123456789"), the form contacts are matched by, or undefined when
 * it cannot be parsed as a valid number. Accepts "whatsapp:", "tel:" and "sms:" prefixes and a
 * "00" international prefix; national numbers need `defaultCountry`.
 */
export const toE164 = (phone: string | null | undefined, defaultCountry?: CountryCode): string | undefined => {
  if (typeof phone !== 'string') return undefined;
  const cleaned = phone
    .trim()
    .replace(/^(?:whatsapp|tel|sms):/i, '')
    .trim()
    .replace(/^00(?=[1-9])/, '+');
  if (cleaned === '' || !/\d/.test(cleaned)) return undefined;
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry);
  return parsed?.isValid() ? parsed.number : undefined;
};
