/* parse.y: the grammar of the MIG language (GNU MIG's, plus typed enums). */
%code requires {
#include "migc.h"
}

%code {
#include <string.h>

int mig_yylex(YYSTYPE *lval, Loc *lloc, void *scanner);
void *lex_open(Ctx *c);
void lex_close(void *scanner);

/* The location of a rule is the location of its first symbol. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                    \
    do {                                               \
        if (N) (Cur) = YYRHSLOC(Rhs, 1);               \
        else   (Cur) = YYRHSLOC(Rhs, 0);               \
    } while (0)
#define YYLOCATION_PRINT(File, Loc) ((void)0)

bool lex_gave_up(void *scanner);

static void mig_yyerror(Loc *loc, Ctx *c, void *scanner, const char *msg)
{
    if (lex_gave_up(scanner))
        return;   /* the scanner ended the input early, and said why */
    diag_error(&c->diag, *loc, "%s", msg);
}

/* Integer expressions are checked for overflow: a .defs must not make the
 * compiler's arithmetic undefined. */
static int64_t expr_op(Ctx *c, Loc loc, int op, int64_t a, int64_t b)
{
    int64_t r = 0;
    if (a == EXPR_BAD || b == EXPR_BAD)
        return EXPR_BAD;
    bool bad = false;
    switch (op) {
    case '+': bad = __builtin_add_overflow(a, b, &r); break;
    case '-': bad = __builtin_sub_overflow(a, b, &r); break;
    case '*': bad = __builtin_mul_overflow(a, b, &r); break;
    case '/':
        if (b == 0) {
            diag_error(&c->diag, loc, "division by zero");
            return EXPR_BAD;
        }
        bad = (a == INT64_MIN && b == -1);
        if (!bad) r = a / b;
        break;
    }
    if (bad || r > 0xffffffffLL || r < -0x80000000LL) {
        diag_error(&c->diag, loc, "integer expression overflows 32 bits");
        return EXPR_BAD;
    }
    return r;
}

static Prim prim_num(int64_t n, Loc loc) { Prim p = { true, n, NULL, loc }; return p; }
static Prim prim_name(const char *s, Loc loc) { Prim p = { false, 0, s, loc }; return p; }
}

%define api.pure full
%define api.prefix {mig_yy}
%define parse.error verbose
%locations
%define api.location.type {Loc}
%parse-param {Ctx *c} {void *scanner}
%lex-param {void *scanner}

%union {
    int64_t num;
    char *str;
    Type *type;
    Arg *arg;
    Vec *vec;
    Prim prim;
    EnumItem *item;
    unsigned flags;
    int kind;
}

%token <str> IDENT "identifier" STRING "string" FILENAME "file name"
%token <num> NUMBER "number"
%token <str> sROUTINE "routine" sSIMPLEROUTINE "simpleroutine"
%token <str> sSUBSYSTEM "subsystem" sKERNELUSER "KernelUser" sKERNELSERVER "KernelServer"
%token <str> sMSGOPTION "msgoption" sMSGSEQNO "msgseqno" sWAITTIME "waittime" sNOWAITTIME "nowaittime"
%token <str> sIN "in" sOUT "out" sINOUT "inout" sREQUESTPORT "requestport"
%token <str> sREPLYPORT "replyport" sSREPLYPORT "sreplyport" sUREPLYPORT "ureplyport"
%token <str> sTYPE "type" sARRAY "array" sOF "of" sSTRUCT "struct" sCSTRING "c_string"
%token <str> sPOLYMORPHIC "polymorphic" sSERVERPREFIX "serverprefix" sUSERPREFIX "userprefix"
%token <str> sSERVERDEMUX "serverdemux" sRCSID "rcsid" sIMPORT "import" sSKIP "skip"
%token <str> sINTRAN "intran" sINTRANPAYLOAD "intranpayload" sOUTTRAN "outtran"
%token <str> sDESTRUCTOR "destructor" sCTYPE "ctype" sCUSERTYPE "cusertype" sCSERVERTYPE "cservertype"
%token <str> sIPCFLAG "IPC flag" sENUM "enum" sOPEN "open"

%type <num> intexp
%type <type> typespec transtypespec basictypespec
%type <prim> primipc
%type <arg> argument
%type <vec> arguments arglist enumitems members
%type <item> enumitem
%type <flags> ipcflags
%type <kind> direction
%type <num> submods
%type <str> word name

%left '+' '-'
%left '*' '/'

%%

file
    : %empty
    | file statement
    ;

statement
    : subsystem ';'
    | sWAITTIME word ';'           { model_statement(c, @1, "waittime", $2); }
    | sNOWAITTIME ';'              { model_statement(c, @1, "nowaittime", NULL); }
    | sMSGOPTION word ';'          { model_statement(c, @1, "msgoption", $2); }
    | sSERVERPREFIX IDENT ';'      { model_statement(c, @1, "serverprefix", $2); }
    | sUSERPREFIX IDENT ';'        { model_statement(c, @1, "userprefix", $2); }
    | sSERVERDEMUX IDENT ';'       { model_statement(c, @1, "serverdemux", $2); }
    | sRCSID STRING ';'            { model_statement(c, @1, "rcsid", $2); }
    | sIMPORT FILENAME ';'         { model_import(c, @2, $1, $2); }
    | typedecl ';'
    | routine ';'
    | sSKIP ';'                    { model_skip(c, @1); }
    | ';'
    | error ';'                    { yyerrok; }
    ;

/* migc's own keywords stay usable as names, as they are in GNU MIG. */
name
    : IDENT
    | sENUM
    | sOPEN
    ;

word
    : IDENT
    | NUMBER                       { $$ = xsprintf("%lld", (long long)$1); }
    ;

/* A subsystem statement that cannot be read still counts as one: the
   declarations after it are not reported as coming before the subsystem. */
subsystem
    : sSUBSYSTEM submods IDENT intexp
        { model_subsystem(c, @3, $3, $4, ($2 & 1) != 0, ($2 & 2) != 0); }
    | sSUBSYSTEM submods IDENT '-' intexp
        {
            diag_error(&c->diag, @4, "the subsystem base cannot be negative");
            model_subsystem(c, @3, $3, 0, ($2 & 1) != 0, ($2 & 2) != 0);
        }
    | sSUBSYSTEM error             { model_subsystem(c, @1, NULL, 0, false, false); }
    ;

submods
    : %empty                       { $$ = 0; }
    | submods sKERNELUSER          { $$ = $1 | 1; }
    | submods sKERNELSERVER        { $$ = $1 | 2; }
    ;

/* A declaration that cannot be read still declares its name (as a type
   the checks skip): its uses are not also reported as undefined. */
typedecl
    : sTYPE name '=' transtypespec { model_declare_type(c, @2, $2, $4); }
    | sTYPE name '=' error         { model_declare_type(c, @2, $2, model_type_invalid(c)); }
    ;

transtypespec
    : typespec                     { $$ = model_type_declared(c, $1); }
    | transtypespec sINTRAN ':' IDENT IDENT '(' IDENT ')'
        { model_type_trans(c, @2, $1, "intran", $4, $5, $7); $$ = $1; }
    | transtypespec sOUTTRAN ':' IDENT IDENT '(' IDENT ')'
        { model_type_trans(c, @2, $1, "outtran", $4, $5, $7); $$ = $1; }
    | transtypespec sDESTRUCTOR ':' IDENT '(' IDENT ')'
        { model_type_trans(c, @2, $1, "destructor", NULL, $4, $6); $$ = $1; }
    | transtypespec sINTRANPAYLOAD ':' IDENT IDENT
        { model_type_trans(c, @2, $1, "intranpayload", $4, $5, NULL); $$ = $1; }
    | transtypespec sCTYPE ':' IDENT
        { model_type_trans(c, @2, $1, "ctype", $4, NULL, NULL); $$ = $1; }
    | transtypespec sCUSERTYPE ':' IDENT
        { model_type_trans(c, @2, $1, "cusertype", $4, NULL, NULL); $$ = $1; }
    | transtypespec sCSERVERTYPE ':' IDENT
        { model_type_trans(c, @2, $1, "cservertype", $4, NULL, NULL); $$ = $1; }
    ;

typespec
    : basictypespec
    | sARRAY '[' ']' sOF typespec              { $$ = model_type_array(c, @1, 2, 0, $5); }
    | sARRAY '[' '*' ']' sOF typespec          { $$ = model_type_array(c, @1, 2, 0, $6); }
    | sARRAY '[' '*' ':' intexp ']' sOF typespec { $$ = model_type_array(c, @1, 1, $5, $8); }
    | sARRAY '[' intexp ']' sOF typespec       { $$ = model_type_array(c, @1, 0, $3, $6); }
    | sSTRUCT '[' intexp ']' sOF typespec      { $$ = model_type_struct(c, @1, $3, $6); }
    | sCSTRING '[' intexp ']'                  { $$ = model_type_cstring(c, @1, false, $3); }
    | sCSTRING '[' '*' ':' intexp ']'          { $$ = model_type_cstring(c, @1, true, $5); }
    | sSTRUCT '{' members '}'                  { $$ = model_type_cstruct(c, @1, $3); }
    | '^' typespec                             { $$ = model_type_ool(c, @1, $2); }
    | sENUM typespec '{' enumitems '}'         { $$ = model_type_enum(c, @1, $2, false, $4); }
    | sENUM sOPEN typespec '{' enumitems '}'   { $$ = model_type_enum(c, @1, $3, true, $5); }
    ;

basictypespec
    : primipc                                  { $$ = model_type_name(c, @1, $1); }
    | primipc '|' primipc                      { $$ = model_type_ipc(c, @1, $1, &$3, -1, 0); }
    | '(' primipc ',' intexp ipcflags ')'      { $$ = model_type_ipc(c, @2, $2, NULL, $4, $5); }
    | '(' primipc '|' primipc ',' intexp ipcflags ')'
                                               { $$ = model_type_ipc(c, @2, $2, &$4, $6, $7); }
    ;

primipc
    : NUMBER                                   { $$ = prim_num($1, @1); }
    | IDENT                                    { $$ = prim_name($1, @1); }
    | sPOLYMORPHIC                             { $$ = prim_name("MACH_MSG_TYPE_POLYMORPHIC", @1); }
    | sENUM                                    { $$ = prim_name($1, @1); }
    | sOPEN                                    { $$ = prim_name($1, @1); }
    ;

members
    : IDENT IDENT ';'
        { $$ = xmalloc(sizeof(Vec)); vec_push($$, model_type_name(c, @1, prim_name($1, @1))); }
    | members IDENT IDENT ';'
        { vec_push($1, model_type_name(c, @2, prim_name($2, @2))); $$ = $1; }
    ;

enumitems
    : enumitem                                 { $$ = xmalloc(sizeof(Vec)); vec_push($$, $1); }
    | enumitems ',' enumitem                   { vec_push($1, $3); $$ = $1; }
    | enumitems ','                            { $$ = $1; }
    ;

enumitem
    : IDENT '=' intexp
        { $$ = xmalloc(sizeof(EnumItem)); $$->name = $1; $$->value = $3; $$->loc = @1; }
    ;

ipcflags
    : %empty                                   { $$ = 0; }
    | ipcflags ',' sIPCFLAG                    { $$ = $1 | model_ipc_flag(c, @3, $3, false); }
    | ipcflags ',' sIPCFLAG '[' ']'            { $$ = $1 | model_ipc_flag(c, @3, $3, true); }
    ;

routine
    : sROUTINE name arguments                  { model_routine(c, @2, $2, false, $3); }
    | sSIMPLEROUTINE name arguments            { model_routine(c, @2, $2, true, $3); }
    ;

arguments
    : '(' ')'                                  { $$ = &c->arglist; $$->n = 0; }
    | '(' arglist ')'                          { $$ = $2; }
    | '(' arglist ';' ')'                      { $$ = $2; }
    ;

arglist
    : argument                                 { $$ = &c->arglist; $$->n = 0; vec_push($$, $1); }
    | arglist ';' argument                     { vec_push($1, $3); $$ = $1; }
    ;

argument
    : direction name ':' typespec ipcflags
        { $$ = model_arg(c, @2, (ArgKind)$1, $2, $4, $5); }
    | direction name ':' IDENT '=' transtypespec ipcflags
        {
            model_name_type(c, @4, $4, $6);
            $$ = model_arg(c, @2, (ArgKind)$1, $2, $6, $7);
        }
    ;

direction
    : %empty                                   { $$ = AK_IN; }
    | sIN                                      { $$ = AK_IN; }
    | sOUT                                     { $$ = AK_OUT; }
    | sINOUT                                   { $$ = AK_INOUT; }
    | sREQUESTPORT                             { $$ = AK_REQUESTPORT; }
    | sREPLYPORT                               { $$ = AK_REPLYPORT; }
    | sSREPLYPORT                              { $$ = AK_SREPLYPORT; }
    | sUREPLYPORT                              { $$ = AK_UREPLYPORT; }
    | sWAITTIME                                { $$ = AK_WAITTIME; }
    | sMSGOPTION                               { $$ = AK_MSGOPTION; }
    | sMSGSEQNO                                { $$ = AK_MSGSEQNO; }
    ;

intexp
    : NUMBER
    | intexp '+' intexp                        { $$ = expr_op(c, @2, '+', $1, $3); }
    | intexp '-' intexp                        { $$ = expr_op(c, @2, '-', $1, $3); }
    | intexp '*' intexp                        { $$ = expr_op(c, @2, '*', $1, $3); }
    | intexp '/' intexp                        { $$ = expr_op(c, @3, '/', $1, $3); }
    | '(' intexp ')'                           { $$ = $2; }
    ;

%%

void parse_module(Ctx *c)
{
    void *scanner = lex_open(c);
    mig_yyparse(c, scanner);
    lex_close(scanner);
}
