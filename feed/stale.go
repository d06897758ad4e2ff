package feed

import (
	"errors"
	"time"
)

// StaleError is the error of a source that could not be read this time
// and returned the items of its last good read instead. It wraps ErrStale
// and the cause, and says when the source will next be tried.
type StaleError struct {
	// Cause says why the source could not be read.
	Cause error
	// RetryAt is when the source will next be requested; zero when the
	// next build tries it again.
	RetryAt time.Time
}

func (e *StaleError) Error() string { return ErrStale.Error() + ": " + e.Cause.Error() }

// Unwrap returns ErrStale and the cause.
func (e *StaleError) Unwrap() []error { return []error{ErrStale, e.Cause} }

// RetryAt returns when the source that failed with err will next be tried:
// the RetryAt of a StaleError in err's chain, else zero.
func RetryAt(err error) time.Time {
	var se *StaleError
	if errors.As(err, &se) {
		return se.RetryAt
	}
	return time.Time{}
}
