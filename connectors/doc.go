// Package connectors holds what every connector shares: the Env a connector
// is built with, and (in conformance) the test suite every connector passes.
// Each upstream kind lives in its own sub-package (file, salesforce, odata,
// sqlsource), exports Validate (config validation, used as a config.Kind)
// and New (build a northstar.Source from a validated config.Connector), and
// ships an emulator of its upstream for tests and `northstar demo`.
// Sub-packages for different upstream systems never import each other.
package connectors
