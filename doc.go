// Package northstar holds the domain of the northstar daemon: the unified
// customer model's streams, the records and pages (batches) that connectors
// extract, cursors, money, and the two contracts every other package shares:
// Source (extract pages from an upstream system) and Loader (store pages in
// the warehouse atomically with their cursor).
//
// The package imports no other package of the project. Connectors, the
// transform step, the warehouse and the command line all speak these types.
package northstar
