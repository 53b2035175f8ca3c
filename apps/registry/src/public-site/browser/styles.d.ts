// esbuild bundles the stylesheets a browser script imports into the script's own .css file.
declare module '*.css';
