package expr

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

var numberFunctions = []Function{
	{Name: "round", Signature: "round(number, digits?)", Category: "numbers", MinArgs: 1, MaxArgs: 2,
		Description: "Rounds to digits decimal places (0 by default); halves round away from zero.",
		Example:     `round(2.345, 2)`, Result: `2.35`, fn: fnRound},
	{Name: "floor", Signature: "floor(number)", Category: "numbers", MinArgs: 1, MaxArgs: 1, Builtin: true,
		Description: "The largest whole number not above the number.",
		Example:     `floor(2.7)`, Result: `2`},
	{Name: "ceil", Signature: "ceil(number)", Category: "numbers", MinArgs: 1, MaxArgs: 1, Builtin: true,
		Description: "The smallest whole number not below the number.",
		Example:     `ceil(2.1)`, Result: `3`},
	{Name: "abs", Signature: "abs(number)", Category: "numbers", MinArgs: 1, MaxArgs: 1, Builtin: true,
		Description: "The number without its sign.",
		Example:     `abs(-4)`, Result: `4`},
	{Name: "min", Signature: "min(a, b, ...) or min(list)", Category: "numbers", MinArgs: 1, MaxArgs: -1, Builtin: true,
		Description: "The smallest of the numbers.",
		Example:     `min(3, 1, 2)`, Result: `1`},
	{Name: "max", Signature: "max(a, b, ...) or max(list)", Category: "numbers", MinArgs: 1, MaxArgs: -1, Builtin: true,
		Description: "The largest of the numbers.",
		Example:     `max([3, 1, 2])`, Result: `3`},
	{Name: "sum", Signature: "sum(list, value?)", Category: "numbers", MinArgs: 1, MaxArgs: 2, Builtin: true,
		Description: "Adds up the numbers in a list, or the value computed for each item (`.price` is the item's price).",
		Example:     `sum([{"price": 2}, {"price": 3.5}], .price)`, Result: `5.5`},
	{Name: "avg", Signature: "avg(list)", Category: "numbers", MinArgs: 1, MaxArgs: 1,
		Description: "The average of the numbers in a list; nothing for an empty list.",
		Example:     `avg([1, 2, 6])`, Result: `3`, fn: fnAvg},
	{Name: "number", Signature: "number(text)", Category: "numbers", MinArgs: 1, MaxArgs: 1,
		Description: "Reads a number from text (surrounding spaces and a decimal comma are allowed); numbers pass through.",
		Example:     `number(" 12,5 ")`, Result: `12.5`, fn: fnNumber},
}

func fnRound(args ...any) (any, error) {
	x, err := argNumber("round", args[0])
	if err != nil {
		return nil, err
	}
	digits, err := argInt("round", optional(args, 1, 0))
	if err != nil {
		return nil, err
	}
	if digits < -15 || digits > 15 {
		return nil, fnError("round", "digits must be between -15 and 15")
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x, nil
	}
	// Round the shortest decimal text exactly, so 2.345 rounds to 2.35 as a
	// person expects, not to 2.34 as its binary value would.
	q, ok := new(big.Rat).SetString(strconv.FormatFloat(x, 'f', -1, 64))
	if !ok {
		return x, nil
	}
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(digits))), nil))
	if digits >= 0 {
		q.Mul(q, scale)
	} else {
		q.Quo(q, scale)
	}
	n, rem := new(big.Int).QuoRem(q.Num(), q.Denom(), new(big.Int))
	if twice := new(big.Int).Abs(rem); twice.Lsh(twice, 1).Cmp(q.Denom()) >= 0 {
		n.Add(n, big.NewInt(int64(q.Sign())))
	}
	q.SetInt(n)
	if digits >= 0 {
		q.Quo(q, scale)
	} else {
		q.Mul(q, scale)
	}
	r, _ := q.Float64()
	return r, nil
}

func fnAvg(args ...any) (any, error) {
	list, err := argList("avg", args[0])
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	total := 0.0
	for _, e := range list {
		f, err := argNumber("avg", e)
		if err != nil {
			return nil, err
		}
		total += f
	}
	return total / float64(len(list)), nil
}

func fnNumber(args ...any) (any, error) {
	if isNumber(args[0]) {
		return toFloat(args[0]), nil
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, argError("number", "text", args[0])
	}
	t := strings.TrimSpace(s)
	if strings.Count(t, ",") == 1 && !strings.Contains(t, ".") {
		t = strings.Replace(t, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &Error{Kind: KindType, Message: "number: '" + clip(s) + "' is not a number"}
	}
	return f, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
