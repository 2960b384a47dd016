// expect: clean
// A function of exactly 100 lines, blank lines and comments besides: the limit itself passes.
export function longest(): number {
  let n = 0

  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  // a comment does not count
  n += 1
  return n
}
