// Package config reads northstar.yaml: strict decoding (an unknown key is an
// error), ${VAR} expansion (an unset variable is an error naming it), cron
// schedule validation, defaults, and validation of connector sections by
// their connector's Kind. Every problem is reported as
// "file:line:col: key.path: problem", and all problems are reported at once.
//
// Contract:
//
//   - Parse (and Load) return either a valid *Config or nil and an Errors
//     holding every problem found, sorted by position. Each is an *Error
//     that unwraps to northstar.ErrInvalidConfig.
//   - Key paths are dotted, with 0-based list indexes:
//     connectors[1].streams.orders.fields.amount.
//   - ${NAME} is replaced by the environment variable NAME, which must be set;
//     ${NAME:-default} uses default when NAME is unset or empty; $$ is a
//     literal $; any other $ is kept. Expansion applies to scalar values only,
//     never to keys, and happens after parsing, so positions are those of the
//     file. An expanded value is typed by its result: with H=52, both
//     `horizon: ${H}` and `horizon: "${H}"` are the integer 52 (quote it in
//     flow style, `{horizon: "${H}"}`, where a bare $ { } is YAML syntax).
//   - A null value (empty, ~, or a plain ${VAR:-} that expanded to nothing)
//     means "not set": the default applies.
//   - Anchors and aliases are allowed; aliases are expanded before
//     validation (bounded, so alias bombs are refused). Merge keys (<<) are not
//     supported. A file holds one YAML document.
//   - Connectors: each entry has name ([a-z0-9_-]+, unique), type (a key of
//     the kinds map), optional schedule (cron, see below) and webhook, streams
//     (stream name → mapping, with an optional `fields` mapping of unified
//     field → source field) and at most one section named after its type.
//     Parse checks all of that, then calls the type's Kind.Validate, which
//     decodes the section (Connector.DecodeOptions) and each stream entry
//     (StreamSpec.Decode) with the same strict rules.
//   - Schedules use robfig/cron/v3 with standard 5 fields plus descriptors:
//     "*/30 * * * *", "@hourly", "@every 10m", "CRON_TZ=Europe/Berlin 0 6 * * *".
//
// Time zone names are resolved with time.LoadLocation; binaries that may run
// without a system zoneinfo database should import time/tzdata.
package config
