// Package config reads northstar.yaml: strict decoding (an unknown key is an
// error), ${VAR} expansion (an unset variable is an error naming it), cron
// schedule validation, defaults, and validation of connector sections by
// their connector's Kind. Every problem is reported as
// "file:line:col: key.path: problem", and all problems are reported at once.
package config
