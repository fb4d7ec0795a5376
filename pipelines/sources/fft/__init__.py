"""Friends and Family Test readers: NHS England monthly workbooks and comment-level exports."""
