// Why a store could not be opened or written, in words an admin can act on.

/** The file exists but is not a valid document; it has been moved aside, never replaced. */
export class StoreCorruptError extends Error {
  constructor(
    readonly location: string,
    readonly movedTo: string | undefined,
    readonly reason: string,
  ) {
    super(
      `${location} is damaged (${reason}). ` +
        (movedTo
          ? `It was moved to ${movedTo} and nothing was written in its place; repair it and move it back, or vfleet starts empty next time.`
          : 'It was left in place untouched.'),
    );
    this.name = 'StoreCorruptError';
  }
}

/** Written by a newer vfleet: refusing to read it keeps its content safe from a downgrade. */
export class StoreTooNewError extends Error {
  constructor(
    readonly location: string,
    readonly foundVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `${location} has format version ${foundVersion}, but this vfleet knows only up to version ${knownVersion}; ` +
        'update vfleet to use it (the file was left untouched).',
    );
    this.name = 'StoreTooNewError';
  }
}
