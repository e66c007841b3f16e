//! `#[derive(Tree)]`: make a struct of arrays (or of other trees) a pytree,
//! so `jit`, `grad` and friends accept and return it.
//!
//! ```ignore
//! #[derive(rjax::Tree)]
//! struct Layer { w: rjax::Array, b: rjax::Array }
//! ```

use proc_macro::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, parse_macro_input};

/// Derive `rjax::Tree` for a struct whose fields are all trees; fields are
/// flattened in declaration order, and a struct with named fields records
/// their names in its `TreeDef::Struct` (key paths name them).
#[proc_macro_derive(Tree)]
pub fn derive_tree(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    let kind = name.to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let Data::Struct(data) = &input.data else {
        return syn::Error::new_spanned(name, "#[derive(Tree)] supports structs only")
            .to_compile_error()
            .into();
    };
    let (flatten, build) = match &data.fields {
        Fields::Named(f) => {
            let names: Vec<_> = f.named.iter().filter_map(|f| f.ident.clone()).collect();
            let labels = names.iter().map(|n| n.to_string());
            let idx = 0..names.len();
            (
                quote! {
                    ::rjax::TreeDef::Struct(#kind, &[#(#labels),*], vec![#(::rjax::Tree::flatten(&self.#names, leaves)),*])
                },
                quote! { #name { #(#names: ::rjax::Tree::unflatten(&c[#idx], leaves)?),* } },
            )
        }
        Fields::Unnamed(f) => {
            let idx: Vec<syn::Index> = (0..f.unnamed.len()).map(syn::Index::from).collect();
            let pos = 0..idx.len();
            (
                quote! { ::rjax::TreeDef::Node(#kind, vec![#(::rjax::Tree::flatten(&self.#idx, leaves)),*]) },
                quote! { #name ( #(::rjax::Tree::unflatten(&c[#pos], leaves)?),* ) },
            )
        }
        Fields::Unit => (
            quote! { ::rjax::TreeDef::Node(#kind, vec![]) },
            quote! { #name },
        ),
    };
    let count = data.fields.len();
    quote! {
        impl #impl_generics ::rjax::Tree for #name #ty_generics #where_clause {
            fn flatten(&self, leaves: &mut ::std::vec::Vec<::rjax::Array>) -> ::rjax::TreeDef {
                #flatten
            }
            fn unflatten(
                def: &::rjax::TreeDef,
                leaves: &mut dyn ::std::iter::Iterator<Item = ::rjax::Array>,
            ) -> ::rjax::Result<Self> {
                let c = def.children(#kind)?;
                if c.len() != #count {
                    return ::std::result::Result::Err(::rjax::Error::new(
                        ::rjax::ErrorKind::Tree,
                        "unflatten",
                        ::std::format!("{} has {} fields, the structure has {}", #kind, #count, c.len()),
                    ));
                }
                ::std::result::Result::Ok(#build)
            }
        }
    }
    .into()
}
