/** Milliseconds in a day: the one constant every date calculation here shares. */
export const DAY_MS = 86_400_000
