/**
 * How much is read behind a held message before its sender is paused: a paused socket is
 * not read, so a sender that resets or closes meanwhile would go unseen until the message
 * is let go; reading a little on shows it in the Held queue at once, within a bound.
 */
export const READ_AHEAD = 64 * 1024
