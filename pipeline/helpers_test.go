package pipeline_test

import "github.com/shopspring/decimal"

type decimalT = decimal.Decimal

func mustDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
