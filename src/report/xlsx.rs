//! The Excel workbook of a run (rust_xlsxwriter).
