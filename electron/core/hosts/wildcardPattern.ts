// The * and ? wildcards of ssh host patterns and of glob(3) paths, as a regular expression.

export function wildcardRegExp(pattern: string, options: { anyCharacter: string; flags?: string }): RegExp {
  const source = pattern
    .split('')
    .map((character) => {
      if (character === '*') return `${options.anyCharacter}*`;
      if (character === '?') return options.anyCharacter;
      return character.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`, options.flags);
}
