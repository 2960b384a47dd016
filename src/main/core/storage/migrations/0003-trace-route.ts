/**
 * Each trace's route in a column of its own instead of a table of (trace, node) rows: one insert
 * per trace instead of three, and the node filter becomes a search in that column. Nodes are
 * kept between unit separators (U+001F), a character no node name is written with.
 */
export const sql = `
ALTER TABLE traces ADD COLUMN route TEXT NOT NULL DEFAULT '';
UPDATE traces SET route = char(31) || (
  SELECT group_concat(node, char(31)) FROM trace_nodes WHERE trace_seq = traces.seq
) || char(31)
WHERE EXISTS (SELECT 1 FROM trace_nodes WHERE trace_seq = traces.seq);
DROP TABLE trace_nodes;
DROP INDEX traces_status;
`
