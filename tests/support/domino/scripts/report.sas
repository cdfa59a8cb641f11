proc print data=sashelp.class; run;
