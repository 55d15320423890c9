/**
 * Daily caps on a receiver wallet's registration one-time codes (docs/security.md, "Receivers'
 * secrets"). Besides the per-code limit (5 wrong guesses, then a new code is needed;
 * server/services/registration/load-registration.ts), a wallet may be sent at most
 * OTP_DAILY_MAX_CODES codes and make at most OTP_DAILY_MAX_GUESSES wrong guesses within
 * OTP_CAP_WINDOW_MS of the first one (otp_day_started_at). Asking for one code more, or the last
 * allowed wrong guess, locks the registration (otp_locked_at) until staff unlock it. So an
 * attacker holding a registration link gets at most 10 guesses at a 6-digit code per unlock:
 * a 10 / 1,000,000 chance. Pure: no I/O.
 */
export const OTP_DAILY_MAX_CODES = 5;
export const OTP_DAILY_MAX_GUESSES = 10;
export const OTP_CAP_WINDOW_MS = 24 * 60 * 60 * 1000;

export type OtpDay = { startedAt: Date; codes: number; guesses: number };

/** The counters in force at `now`: a fresh day when none started or the last one is over. */
export function currentOtpDay(state: { otpDayStartedAt: Date | null; otpCodesToday: number; otpGuessesToday: number }, now: Date): OtpDay {
  const started = state.otpDayStartedAt;
  if (!started || now.getTime() - started.getTime() >= OTP_CAP_WINDOW_MS) {
    return { startedAt: now, codes: 0, guesses: 0 };
  }
  return { startedAt: started, codes: state.otpCodesToday, guesses: state.otpGuessesToday };
}
