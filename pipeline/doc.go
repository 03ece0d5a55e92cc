// Package pipeline runs one sync of one connector: for each stream it reads
// the stored cursor, lets the Source extract pages, types each page with
// transform and stores it with the warehouse loader before the next page is
// read (back-pressure, bounded memory). A stream that fails does not stop
// the other streams; a quota stop (northstar.ErrPartial) or a shutdown ends
// the run as partial; only a run that read everything is succeeded.
package pipeline
