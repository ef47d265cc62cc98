// Guest names become directory names under /etc/vservers and /vservers: they must never escape
// those bases, hide as dot-files, or carry characters a shell or an admin would trip over.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';

export const GUEST_NAME_MAX = 63;

export const guestNameSchema = z
  .string()
  .min(1, 'a guest name must not be empty')
  .max(GUEST_NAME_MAX, `a guest name has at most ${GUEST_NAME_MAX} characters`)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'a guest name starts with a letter or digit and holds only letters, digits, ".", "_" and "-"',
  );

/** A boot group tag (apps/init/mark), same alphabet as guest names. */
export const markSchema = z
  .string()
  .min(1, 'a mark must not be empty')
  .max(GUEST_NAME_MAX)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a mark holds only letters, digits, ".", "_" and "-"');
