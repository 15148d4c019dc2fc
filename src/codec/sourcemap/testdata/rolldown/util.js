// A helper module: its lines are what symbolication must point back to.
export function parsePrice(text) {
  const value = Number(text);
  if (Number.isNaN(value)) {
    throw new Error("sextantBadPrice: " + text);
  }
  return value;
}

export function totalOf(items) {
  let sum = 0;
  for (const item of items) {
    sum += parsePrice(item.price);
  }
  return sum;
}
