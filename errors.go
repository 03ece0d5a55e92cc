package northstar

import "errors"

// Sentinel errors with exact contracts; check them with errors.Is.
var (
	// ErrUnknownStream: a stream name that is not one of AllStreams.
	ErrUnknownStream = errors.New("unknown stream")
	// ErrPartial: a run stopped early on purpose (API quota, request limit);
	// what was loaded is valid and the next run resumes. The run is "partial".
	ErrPartial = errors.New("run stopped early")
	// ErrInvalidConfig: configuration was refused; details in the wrapping error.
	ErrInvalidConfig = errors.New("invalid configuration")
	// ErrNotFound: a named connector, run or object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrBusy: a run of the connector is already in flight (advisory lock held).
	ErrBusy = errors.New("a run is already in flight")
	// ErrSchema: an upstream object lacks a configured field.
	ErrSchema = errors.New("upstream schema mismatch")
)

// HintError is an error an operator can act on: Hint says what to do.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() + " (hint: " + e.Hint + ")" }
func (e *HintError) Unwrap() error { return e.Err }
